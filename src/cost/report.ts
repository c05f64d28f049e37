import {
  type CapacityType,
  type CostDailyRow,
  type CostGroupBy,
  type CostInterval,
  type CostReport,
  type CostReportRow,
  InputError,
} from '../model/index.ts';
import { staticPoolBaseline } from './baseline.ts';
import { billedHours, endMs, intervalCost, onDemandCost, savingsPct } from './cost-model.ts';
import { splitCost } from './split.ts';
import { overlapMs, type Window } from './window.ts';

/** The group of pods without the grouping label or controller (OpenCost's name for it). */
export const NO_LABEL = '__unallocated__';
/** What daily roll-ups hold for groupings they do not keep (pod, label, ...). */
export const ROLLED_UP = '__rolled_up__';

export function groupName(g: CostGroupBy): string {
  return typeof g === 'string' ? g : `label:${g.label}`;
}

/** `namespace,label:team` as the report and the API take it. */
export function parseGroupBy(value: string, field = '--aggregate'): CostGroupBy[] {
  const parts = value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  if (parts.length === 0) throw new InputError('expected at least one grouping', { field });
  return parts.map((p): CostGroupBy => {
    if (
      p === 'namespace' ||
      p === 'pod' ||
      p === 'controller' ||
      p === 'instance-type' ||
      p === 'capacity-type'
    )
      return p;
    // OpenCost spells them instanceType / capacityType too.
    if (p === 'instanceType') return 'instance-type';
    if (p === 'capacityType') return 'capacity-type';
    if (p.startsWith('label:') && p.length > 'label:'.length) return { label: p.slice('label:'.length) };
    throw new InputError(
      `unknown grouping "${p}": expected namespace, pod, controller, instance-type, capacity-type or label:KEY`,
      { field },
    );
  });
}

export function groupKey(i: CostInterval, g: CostGroupBy): string {
  if (g === 'namespace') return i.pod.namespace;
  if (g === 'pod') return `${i.pod.namespace}/${i.pod.name}`;
  if (g === 'controller') return i.controller ?? NO_LABEL;
  if (g === 'instance-type') return i.instanceType;
  if (g === 'capacity-type') return i.capacityType;
  return i.labels[g.label] ?? NO_LABEL;
}

function dailyKey(r: CostDailyRow, g: CostGroupBy): string {
  if (g === 'namespace') return r.namespace;
  if (g === 'capacity-type') return r.capacityType;
  return ROLLED_UP;
}

interface Sums {
  uids: Set<string>;
  /** Rolled-up intervals (their pods are not known one by one). */
  rolledUp: number;
  hours: number;
  cost: number;
  onDemandCost: number;
  cpu: number;
  ram: number;
  gpu: number;
  start: number;
  end: number;
  capacityTypes: Set<CapacityType>;
  priceSources: Set<string>;
}

function emptySums(): Sums {
  return {
    uids: new Set(),
    rolledUp: 0,
    hours: 0,
    cost: 0,
    onDemandCost: 0,
    cpu: 0,
    ram: 0,
    gpu: 0,
    start: Number.POSITIVE_INFINITY,
    end: Number.NEGATIVE_INFINITY,
    capacityTypes: new Set(),
    priceSources: new Set(),
  };
}

function toRow(key: string, properties: Record<string, string>, s: Sums): CostReportRow {
  return {
    key,
    properties,
    pods: s.uids.size,
    ...(Number.isFinite(s.start) ? { start: new Date(s.start).toISOString() } : {}),
    ...(Number.isFinite(s.end) ? { end: new Date(s.end).toISOString() } : {}),
    minutes: s.hours * 60,
    hours: s.hours,
    cost: s.cost,
    cpuCost: s.cpu,
    ramCost: s.ram,
    gpuCost: s.gpu,
    onDemandCost: s.onDemandCost,
    savings: s.onDemandCost - s.cost,
    savingsPct: savingsPct(s.cost, s.onDemandCost),
    capacityTypes: [...s.capacityTypes].sort(),
    priceSources: [...s.priceSources].sort(),
  };
}

export interface CostReportOptions {
  groupBy: CostGroupBy | CostGroupBy[];
  /** Clip to this window: an interval counts for the share of its billed time inside it. */
  window?: Window;
  /** Where open intervals end; default now. */
  now?: number;
  /** Daily roll-ups (retention) to count too. */
  daily?: readonly CostDailyRow[];
}

/**
 * Cost per group, most expensive first, with a total that is the sum of the
 * rows, and the static-pool baseline when a window is given. An interval
 * straddling the window counts for the share of its billed time inside it,
 * so adjacent windows add up to the whole.
 */
export function costReport(intervals: readonly CostInterval[], options: CostReportOptions): CostReport {
  const now = options.now ?? Date.now();
  const groupBy = Array.isArray(options.groupBy) ? options.groupBy : [options.groupBy];
  const w = options.window;
  const groups = new Map<string, { properties: Record<string, string>; sums: Sums }>();
  const sumsFor = (values: string[]): Sums => {
    const key = values.join('/');
    let g = groups.get(key);
    if (!g) {
      g = {
        properties: Object.fromEntries(groupBy.map((b, n) => [groupName(b), values[n] ?? ''])),
        sums: emptySums(),
      };
      groups.set(key, g);
    }
    return g.sums;
  };
  const allUids = new Set<string>();
  for (const i of intervals) {
    const s0 = Date.parse(i.start);
    const e0 = endMs(i, now);
    const share = w ? (e0 > s0 ? overlapMs(s0, e0, w) / (e0 - s0) : s0 >= w.start && s0 < w.end ? 1 : 0) : 1;
    if (share <= 0) continue;
    const s = sumsFor(groupBy.map((g) => groupKey(i, g)));
    const cost = intervalCost(i, now) * share;
    const parts = splitCost(cost, i.machine);
    allUids.add(i.pod.uid);
    s.uids.add(i.pod.uid);
    s.hours += billedHours(i, now) * share;
    s.cost += cost;
    s.cpu += parts.cpu;
    s.ram += parts.ram;
    s.gpu += parts.gpu;
    s.onDemandCost += onDemandCost(i, now) * share;
    s.start = Math.min(s.start, w ? Math.max(s0, w.start) : s0);
    s.end = Math.max(s.end, w ? Math.min(e0, w.end) : e0);
    s.capacityTypes.add(i.capacityType);
    if (i.priceSource) s.priceSources.add(`${i.priceSource.kind}: ${i.priceSource.origin}`);
  }
  for (const r of options.daily ?? []) {
    const dayStart = Date.parse(`${r.day}T00:00:00Z`);
    const share = w ? overlapMs(dayStart, dayStart + 86_400_000, w) / 86_400_000 : 1;
    if (share <= 0) continue;
    const s = sumsFor(groupBy.map((g) => dailyKey(r, g)));
    s.rolledUp += r.intervals;
    s.hours += r.hours * share;
    s.cost += r.cost * share;
    // Roll-ups keep no machine sizes: split as a machine of unknown size.
    const parts = splitCost(r.cost * share, undefined);
    s.cpu += parts.cpu;
    s.ram += parts.ram;
    s.gpu += parts.gpu;
    s.onDemandCost += r.onDemandCost * share;
    s.start = Math.min(s.start, Math.max(dayStart, w?.start ?? dayStart));
    s.end = Math.max(s.end, Math.min(dayStart + 86_400_000, w?.end ?? Number.POSITIVE_INFINITY));
    s.capacityTypes.add(r.capacityType);
    s.priceSources.add('rolled up');
  }
  const rows = [...groups].map(([key, g]) => toRow(key, g.properties, g.sums));
  rows.sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));

  // Summed from the rows (not the intervals) so the total row is exactly what the table adds up to.
  const total = emptySums();
  for (const uid of allUids) total.uids.add(uid);
  for (const r of rows) {
    total.hours += r.hours;
    total.cost += r.cost;
    total.onDemandCost += r.onDemandCost;
    total.cpu += r.cpuCost;
    total.ram += r.ramCost;
    total.gpu += r.gpuCost;
    if (r.start) total.start = Math.min(total.start, Date.parse(r.start));
    if (r.end) total.end = Math.max(total.end, Date.parse(r.end));
    for (const c of r.capacityTypes) total.capacityTypes.add(c);
    for (const p of r.priceSources) total.priceSources.add(p);
  }
  const totalRow = toRow('total', {}, total);
  const pool = w ? staticPoolBaseline(intervals, w, now) : undefined;
  return {
    groupBy,
    ...(w ? { window: { start: new Date(w.start).toISOString(), end: new Date(w.end).toISOString() } } : {}),
    rows,
    total: totalRow,
    ...(pool
      ? {
          staticPool: {
            ...pool,
            savings: pool.cost - totalRow.cost,
            savingsPct: savingsPct(totalRow.cost, pool.cost),
          },
        }
      : {}),
  };
}
