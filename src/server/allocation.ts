import type { CostGroupBy, CostReport, CostReportRow } from '../model/index.ts';

/**
 * berth's report in the shape of OpenCost's /allocation answer
 * (`{code, data: [{KEY: allocation}]}`, one set for the whole window), so
 * tools that read OpenCost read berth. OpenCost's own fields come first;
 * berth adds onDemandCost, savings, savingsPct, capacityTypes and
 * priceSources. Storage, network, shared and external costs are 0: berth
 * prices machines only, and nothing is shared (one pod per node).
 */
export interface Allocation {
  name: string;
  properties: Record<string, string | Record<string, string>>;
  window: { start: string; end: string };
  start: string;
  end: string;
  minutes: number;
  cpuCost: number;
  gpuCost: number;
  ramCost: number;
  pvCost: number;
  networkCost: number;
  loadBalancerCost: number;
  sharedCost: number;
  externalCost: number;
  totalCost: number;
  onDemandCost: number;
  savings: number;
  savingsPct: number;
  pods: number;
  capacityTypes: string[];
  priceSources: string[];
}

/** A row's grouping values as OpenCost names its properties. */
function properties(groupBy: readonly CostGroupBy[], row: CostReportRow): Allocation['properties'] {
  const out: Allocation['properties'] = {};
  const labels: Record<string, string> = {};
  for (const g of groupBy) {
    const name = typeof g === 'string' ? g : `label:${g.label}`;
    const value = row.properties[name] ?? '';
    if (g === 'namespace') out.namespace = value;
    else if (g === 'pod') {
      const slash = value.indexOf('/');
      out.namespace = value.slice(0, slash);
      out.pod = value.slice(slash + 1);
    } else if (g === 'controller') {
      const slash = value.indexOf('/');
      if (slash > 0) {
        out.controllerKind = value.slice(0, slash);
        out.controller = value.slice(slash + 1);
      } else out.controller = value;
    } else if (g === 'instance-type') out.instanceType = value;
    else if (g === 'capacity-type') out.capacityType = value;
    else labels[g.label] = value;
  }
  if (Object.keys(labels).length > 0) out.labels = labels;
  return out;
}

export function toAllocation(report: CostReport, row: CostReportRow): Allocation {
  const window = report.window ?? { start: row.start ?? '', end: row.end ?? '' };
  return {
    name: row.key,
    properties: properties(report.groupBy, row),
    window,
    start: row.start ?? window.start,
    end: row.end ?? window.end,
    minutes: row.minutes,
    cpuCost: row.cpuCost,
    gpuCost: row.gpuCost,
    ramCost: row.ramCost,
    pvCost: 0,
    networkCost: 0,
    loadBalancerCost: 0,
    sharedCost: 0,
    externalCost: 0,
    totalCost: row.cost,
    onDemandCost: row.onDemandCost,
    savings: row.savings,
    savingsPct: row.savingsPct,
    pods: row.pods,
    capacityTypes: row.capacityTypes,
    priceSources: row.priceSources,
  };
}

export function allocationResponse(report: CostReport): { code: 200; data: Record<string, Allocation>[] } {
  return { code: 200, data: [Object.fromEntries(report.rows.map((r) => [r.key, toAllocation(report, r)]))] };
}
