import type { CostInterval, StaticPool, StaticPoolBaseline } from '../model/index.ts';
import { endMs } from './cost-model.ts';
import type { Window } from './window.ts';

/**
 * The static node pools berth replaces, as one definition for reports and
 * benchmarks. Two node groups, as a cluster without berth would run: one
 * for the machines with GPUs, one for the rest. Each is the cheapest pool of
 * ONE on-demand instance type, among the types berth ran in the window (at
 * their recorded on-demand price; the GPU group only among GPU types), with
 * just enough nodes that the group's peak concurrent demand fits by total
 * capacity, running the whole window. Demand at a moment is the sum of the
 * vCPUs, memory and GPUs of the machines berth ran at that moment. Fitting
 * by totals ignores bin-packing, so this is the least such pools could cost:
 * savings against them are a lower bound.
 */
export const STATIC_POOL_DEFINITION =
  'static node pools: one for GPU machines, one for the rest, each the cheapest pool of one on-demand instance type (among those berth ran in the window) with enough nodes for the peak concurrent vCPU, memory and GPU of the machines berth ran, running the whole window; fitting by totals (no bin-packing), so savings against them are a lower bound';

interface Candidate {
  instanceType: string;
  cpu: number;
  memoryMiB: number;
  gpus: number;
  pricePerHour: number;
}

type Machine = NonNullable<CostInterval['machine']>;

/** Types berth ran whose size and on-demand price are known (serverless slices are not nodes). */
function candidates(intervals: readonly CostInterval[]): Candidate[] {
  const byType = new Map<string, Candidate>();
  for (const i of intervals) {
    if (!i.machine || i.capacityType === 'serverless') continue;
    const price = i.capacityType === 'on-demand' ? i.pricePerHour : i.onDemandPricePerHour;
    if (price === undefined) continue;
    const had = byType.get(i.instanceType);
    // Several regions or discounts may price one type differently: the cheapest seen.
    if (!had || price < had.pricePerHour) {
      byType.set(i.instanceType, {
        instanceType: i.instanceType,
        cpu: i.machine.cpu,
        memoryMiB: i.machine.memoryMiB,
        gpus: i.machine.gpus ?? 0,
        pricePerHour: price,
      });
    }
  }
  return [...byType.values()];
}

function nodesFor(c: Candidate, demand: { cpu: number; memoryMiB: number; gpus: number }): number {
  if (demand.gpus > 0 && c.gpus === 0) return Number.POSITIVE_INFINITY;
  return Math.max(
    Math.ceil(demand.cpu / c.cpu - 1e-9),
    Math.ceil(demand.memoryMiB / c.memoryMiB - 1e-9),
    demand.gpus > 0 ? Math.ceil(demand.gpus / c.gpus - 1e-9) : 0,
  );
}

/** The cheapest one-type pool for these machines' peak concurrent demand, over `hours`. */
function cheapestPool(
  kind: StaticPool['kind'],
  spans: readonly { start: number; end: number; m: Machine }[],
  types: readonly Candidate[],
  hours: number,
): StaticPool | undefined {
  if (spans.length === 0) return undefined;
  // Demand changes only at starts and ends; ends first at equal times (a machine replaced by another never counts twice).
  const events = spans
    .flatMap((s) => [
      { at: s.start, sign: 1 as const, m: s.m },
      { at: s.end, sign: -1 as const, m: s.m },
    ])
    .sort((a, b) => a.at - b.at || a.sign - b.sign);
  const nodes = new Map<string, number>(types.map((t) => [t.instanceType, 0]));
  const demand = { cpu: 0, memoryMiB: 0, gpus: 0 };
  const peak = { cpu: 0, memoryMiB: 0, gpus: 0 };
  for (const ev of events) {
    demand.cpu += ev.sign * ev.m.cpu;
    demand.memoryMiB += ev.sign * ev.m.memoryMiB;
    demand.gpus += ev.sign * (ev.m.gpus ?? 0);
    if (ev.sign < 0) continue;
    peak.cpu = Math.max(peak.cpu, demand.cpu);
    peak.memoryMiB = Math.max(peak.memoryMiB, demand.memoryMiB);
    peak.gpus = Math.max(peak.gpus, demand.gpus);
    for (const t of types)
      nodes.set(t.instanceType, Math.max(nodes.get(t.instanceType) ?? 0, nodesFor(t, demand)));
  }
  let best: StaticPool | undefined;
  let bestCost = Number.POSITIVE_INFINITY;
  for (const t of types) {
    const n = nodes.get(t.instanceType) ?? Number.POSITIVE_INFINITY;
    const cost = n * t.pricePerHour * hours;
    if (!Number.isFinite(cost)) continue;
    if (!best || cost < bestCost || (cost === bestCost && t.instanceType < best.instanceType)) {
      best = {
        kind,
        instanceType: t.instanceType,
        nodes: n,
        pricePerHour: t.pricePerHour,
        peak: { ...peak },
      };
      bestCost = cost;
    }
  }
  return best;
}

/** The baseline for the window, or undefined when a group's demand has no candidate type. */
export function staticPoolBaseline(
  intervals: readonly CostInterval[],
  window: Window,
  now: number = Date.now(),
): StaticPoolBaseline | undefined {
  const types = candidates(intervals);
  if (types.length === 0 || window.end <= window.start) return undefined;
  const spans: { start: number; end: number; m: Machine; gpu: boolean }[] = [];
  for (const i of intervals) {
    if (!i.machine) continue;
    const start = Math.max(Date.parse(i.start), window.start);
    const end = Math.min(endMs(i, now), window.end);
    if (end > start) spans.push({ start, end, m: i.machine, gpu: (i.machine.gpus ?? 0) > 0 });
  }
  const hours = (window.end - window.start) / 3_600_000;
  const gpuSpans = spans.filter((s) => s.gpu);
  const generalSpans = spans.filter((s) => !s.gpu);
  const gpu = cheapestPool(
    'gpu',
    gpuSpans,
    types.filter((t) => t.gpus > 0),
    hours,
  );
  const general = cheapestPool('general', generalSpans, types, hours);
  if ((gpuSpans.length > 0 && !gpu) || (generalSpans.length > 0 && !general)) return undefined;
  const pools = [gpu, general].filter((p): p is StaticPool => p !== undefined);
  if (pools.length === 0) return undefined;
  return { pools, hours, cost: pools.reduce((sum, p) => sum + p.nodes * p.pricePerHour * hours, 0) };
}
