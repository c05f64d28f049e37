/**
 * The setup berth replaces: a static node pool sized for the peak, running
 * all the time. Defined once here, so the chargeback report's savings and the
 * cost bench compare against the same thing:
 *
 *   the cheapest on-demand pool of one machine type whose nodes' allocatable,
 *   together, holds the window's peak concurrent requests (cpu and memory),
 *   paid for every hour of the window.
 *
 * It ignores that real pools keep headroom above the peak and that a peak
 * usually has to fit pod by pod (bin packing), so it is a floor for what such
 * a pool costs, which keeps the savings claimed against it honest.
 */

/** A machine type the pool could be made of: its price and what its node gives pods. */
export interface PoolMachine {
  instanceType: string;
  pricePerHour: number;
  /** Allocatable millicores and MiB. */
  cpu: number;
  memoryMiB: number;
}

export interface PoolDemand {
  /** Peak concurrent requests: millicores and MiB. */
  cpu: number;
  memoryMiB: number;
}

export interface StaticPool {
  instanceType: string;
  nodes: number;
  pricePerHour: number;
  /** USD for the window. */
  cost: number;
}

/** Nodes of `m` that hold `peak`. */
export function nodesFor(peak: PoolDemand, m: PoolMachine): number {
  if (m.cpu <= 0 || m.memoryMiB <= 0) return Number.POSITIVE_INFINITY;
  return Math.max(Math.ceil(peak.cpu / m.cpu), Math.ceil(peak.memoryMiB / m.memoryMiB), peak.cpu > 0 ? 1 : 0);
}

/** The cheapest pool for `peak` over `hours`; undefined when no machine is offered. */
export function cheapestStaticPool(
  peak: PoolDemand,
  hours: number,
  machines: readonly PoolMachine[],
): StaticPool | undefined {
  let best: StaticPool | undefined;
  for (const m of machines) {
    const nodes = nodesFor(peak, m);
    if (!Number.isFinite(nodes)) continue;
    const pricePerHour = nodes * m.pricePerHour;
    if (!best || pricePerHour < best.pricePerHour) {
      best = { instanceType: m.instanceType, nodes, pricePerHour, cost: pricePerHour * hours };
    }
  }
  return best;
}

/** The peak of concurrent demand over intervals [start, end) in seconds, each with its requests. */
export function peakDemand(
  intervals: readonly { start: number; end: number; cpu: number; memoryMiB: number }[],
): PoolDemand {
  const events: [time: number, cpu: number, memoryMiB: number][] = [];
  for (const i of intervals) {
    events.push([i.start, i.cpu, i.memoryMiB], [i.end, -i.cpu, -i.memoryMiB]);
  }
  // Ends before starts at the same moment: a pod leaving and one arriving don't overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let cpu = 0;
  let memoryMiB = 0;
  const peak = { cpu: 0, memoryMiB: 0 };
  for (const [, c, m] of events) {
    cpu += c;
    memoryMiB += m;
    peak.cpu = Math.max(peak.cpu, cpu);
    peak.memoryMiB = Math.max(peak.memoryMiB, memoryMiB);
  }
  return peak;
}
