/**
 * What the same pods cost packed onto shared nodes, the way a cluster
 * autoscaler with one machine type runs them: nodes bought just in time when
 * no open node has room (first fit, pods arriving together placed largest
 * first), each pod starting at once on a node with room and after the boot
 * time on a new one, and a node released the moment its last pod ends.
 * Billed per second with the cloud's minimum, like berth's machines.
 */
import { chargedSeconds } from '../../../src/cost/cost-model.ts';
import type { TracePod } from './trace.ts';

/** A machine type pods could share: its price and what its node gives pods (millicores, MiB). */
export interface PoolMachine {
  instanceType: string;
  pricePerHour: number;
  cpu: number;
  memoryMiB: number;
}

/** The peak concurrent requests of `pods` (millicores, MiB), each resource at its own peak. */
export function peakRequests(pods: readonly TracePod[]): { cpu: number; memoryMiB: number } {
  const events = pods.flatMap((p) => [
    [p.start, p.cpu, p.memoryMiB] as const,
    [p.start + p.duration, -p.cpu, -p.memoryMiB] as const,
  ]);
  // Ends before starts at the same moment: a pod leaving and one arriving don't overlap.
  events.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const now = { cpu: 0, memoryMiB: 0 };
  const peak = { cpu: 0, memoryMiB: 0 };
  for (const [, cpu, memoryMiB] of events) {
    now.cpu += cpu;
    now.memoryMiB += memoryMiB;
    peak.cpu = Math.max(peak.cpu, now.cpu);
    peak.memoryMiB = Math.max(peak.memoryMiB, now.memoryMiB);
  }
  return peak;
}

/** Pods a shared node runs at most (Kubernetes' default maxPods). */
const MAX_PODS = 110;

export interface PackResult {
  instanceType: string;
  cost: number;
  nodesBought: number;
  /** Millicore-seconds paid for (machine vCPU x billed time) and requested (pod x run time). */
  paidCpuSeconds: number;
  requestedCpuSeconds: number;
}

interface OpenNode {
  bought: number;
  /** Pods placed on a node still booting start when it is ready. */
  readyAt: number;
  cpu: number;
  memoryMiB: number;
  pods: number;
}

/** A small binary min-heap of pod ends. */
class Ends {
  private heap: [time: number, node: OpenNode, pod: TracePod][] = [];
  push(e: [number, OpenNode, TracePod]): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent]![0] <= h[i]![0]) break;
      [h[parent], h[i]] = [h[i]!, h[parent]!];
      i = parent;
    }
  }
  get size(): number {
    return this.heap.length;
  }
  peek(): number {
    return this.heap[0]?.[0] ?? Number.POSITIVE_INFINITY;
  }
  pop(): [number, OpenNode, TracePod] {
    const h = this.heap;
    const top = h[0]!;
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && h[l]![0] < h[m]![0]) m = l;
        if (r < h.length && h[r]![0] < h[m]![0]) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i]!, h[m]!];
        i = m;
      }
    }
    return top;
  }
}

/** Packs `pods` (sorted by start) onto machines of one type; undefined when a pod can't fit one node. */
export function packOverTime(
  pods: readonly TracePod[],
  machine: PoolMachine,
  bootS: number,
): PackResult | undefined {
  if (pods.some((p) => p.cpu > machine.cpu || p.memoryMiB > machine.memoryMiB)) return undefined;
  const open: OpenNode[] = [];
  const ends = new Ends();
  const result: PackResult = {
    instanceType: machine.instanceType,
    cost: 0,
    nodesBought: 0,
    paidCpuSeconds: 0,
    requestedCpuSeconds: 0,
  };
  const release = (node: OpenNode, at: number) => {
    const billed = chargedSeconds(at - node.bought);
    result.cost += (machine.pricePerHour * billed) / 3600;
    result.paidCpuSeconds += machine.cpu * billed;
    open.splice(open.indexOf(node), 1);
  };
  const drainUntil = (t: number) => {
    while (ends.size > 0 && ends.peek() <= t) {
      const [at, node, pod] = ends.pop();
      node.cpu += pod.cpu;
      node.memoryMiB += pod.memoryMiB;
      node.pods--;
      if (node.pods === 0) release(node, at);
    }
  };
  for (let i = 0; i < pods.length; ) {
    const t = pods[i]!.start;
    let j = i;
    while (j < pods.length && pods[j]!.start === t) j++;
    drainUntil(t);
    const arriving = pods.slice(i, j).sort((a, b) => b.cpu - a.cpu || b.memoryMiB - a.memoryMiB);
    for (const pod of arriving) {
      let node = open.find((n) => n.cpu >= pod.cpu && n.memoryMiB >= pod.memoryMiB && n.pods < MAX_PODS);
      if (!node) {
        node = { bought: t, readyAt: t + bootS, cpu: machine.cpu, memoryMiB: machine.memoryMiB, pods: 0 };
        open.push(node);
        result.nodesBought++;
      }
      const startsAt = Math.max(t, node.readyAt);
      node.cpu -= pod.cpu;
      node.memoryMiB -= pod.memoryMiB;
      node.pods++;
      result.requestedCpuSeconds += pod.cpu * pod.duration;
      ends.push([startsAt + pod.duration, node, pod]);
    }
    i = j;
  }
  drainUntil(Number.POSITIVE_INFINITY);
  return result;
}

/** The machine type that packs `pods` cheapest. */
export function bestPacking(
  pods: readonly TracePod[],
  machines: readonly PoolMachine[],
  bootS: number,
): PackResult | undefined {
  let best: PackResult | undefined;
  for (const m of machines) {
    const r = packOverTime(pods, m, bootS);
    if (r && (!best || r.cost < best.cost)) best = r;
  }
  return best;
}
