import type { CostInterval, StaticPoolBaseline } from '../model/index.ts';
import { endMs } from './cost-model.ts';
import type { Window } from './window.ts';

/**
 * The static node pool berth replaces, as one definition for reports and
 * benchmarks: the cheapest pool of ONE on-demand instance type, among the
 * types berth ran in the window (with their recorded on-demand price), with
 * just enough nodes that the window's peak concurrent demand fits by total
 * capacity, running the whole window. Demand at a moment is the sum of the
 * vCPUs, memory and GPUs of the machines berth ran at that moment. Fitting
 * by totals ignores bin-packing, so this is the least such a pool could
 * cost: savings against it are a lower bound.
 */
export const STATIC_POOL_DEFINITION =
  'static pool: the cheapest pool of one on-demand instance type (among those berth ran in the window) with enough nodes for the peak concurrent vCPU, memory and GPU of the machines berth ran, running the whole window; fitting by totals (no bin-packing), so savings against it are a lower bound';

interface Candidate {
  instanceType: string;
  cpu: number;
  memoryMiB: number;
  gpus: number;
  pricePerHour: number;
}

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

/** The baseline for the window, or undefined when no candidate type is known. */
export function staticPoolBaseline(
  intervals: readonly CostInterval[],
  window: Window,
  now: number = Date.now(),
): StaticPoolBaseline | undefined {
  const types = candidates(intervals);
  if (types.length === 0 || window.end <= window.start) return undefined;
  // Demand changes only at starts and ends; ends first at equal times (a machine replaced by another never counts twice).
  const events: { at: number; sign: 1 | -1; m: NonNullable<CostInterval['machine']> }[] = [];
  for (const i of intervals) {
    if (!i.machine) continue;
    const s = Math.max(Date.parse(i.start), window.start);
    const e = Math.min(endMs(i, now), window.end);
    if (e <= s) continue;
    events.push({ at: s, sign: 1, m: i.machine }, { at: e, sign: -1, m: i.machine });
  }
  events.sort((a, b) => a.at - b.at || a.sign - b.sign);
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
      nodes.set(t.instanceType, Math.max(nodes.get(t.instanceType)!, nodesFor(t, demand)));
  }
  const hours = (window.end - window.start) / 3_600_000;
  let best: StaticPoolBaseline | undefined;
  for (const t of types) {
    const n = nodes.get(t.instanceType)!;
    if (!Number.isFinite(n)) continue;
    const cost = n * t.pricePerHour * hours;
    if (!best || cost < best.cost || (cost === best.cost && t.instanceType < best.instanceType)) {
      best = {
        instanceType: t.instanceType,
        nodes: n,
        pricePerHour: t.pricePerHour,
        hours,
        cost,
        peak: { ...peak },
      };
    }
  }
  return best;
}
