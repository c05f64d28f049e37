/**
 * One burst of pods on a live control plane, measured from a watch: what
 * bench:e2e and bench:karpenter share. It creates the pods 50 at a time,
 * records when each was created, bound and done, and after they finish how
 * long the nodes they ran on take to go.
 */
import { readFileSync } from 'node:fs';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { watchResources } from '../../src/kube/informer.ts';
import { apiServerWrites, writesBetween } from './api-writes.ts';

export const CREATE_CONCURRENCY = 50;

export interface BurstResult {
  pods: number;
  /** Seconds to create every pod (the API server's answer to the creates). */
  createSeconds: number;
  /** Seconds from the first create until the last pod was bound. */
  allBoundSeconds: number;
  p50: number;
  p99: number;
  /** Distinct nodes the pods ran on. */
  nodes: number;
  /** Seconds from the last pod's end until the last of its nodes was gone; undefined if some outlived the wait. */
  nodesGoneSeconds?: number;
  /** Nodes still there when the wait ended. */
  nodesLeft: number;
  /** Writes the API server took from everyone during the burst, by verb and resource, largest first. */
  systemWrites: [string, number][];
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

export async function until(
  what: string,
  check: () => Promise<boolean> | boolean,
  deadline: number,
): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

/** Creates `count` pods built by `pod(name)` in `namespace`, 50 at a time, and measures them to the end. */
export async function runBurst(o: {
  kc: KubeConfig;
  namespace: string;
  count: number;
  pod: (name: string) => V1Pod;
  deadline: number;
  /** How long to wait after the pods end for their nodes to go. */
  nodeWaitMs: number;
  log: (m: string) => void;
}): Promise<BurstResult> {
  const core = o.kc.makeApiClient(CoreV1Api);
  const created = new Map<string, number>();
  const bound = new Map<string, number>();
  const done = new Map<string, number>();
  const nodeOf = new Map<string, string>();
  const seen = (pod: V1Pod) => {
    const name = pod.metadata?.name ?? '';
    if (pod.spec?.nodeName && !bound.has(name)) {
      bound.set(name, Date.now());
      nodeOf.set(name, pod.spec.nodeName);
    }
    if (pod.status?.phase === 'Succeeded' && !done.has(name)) done.set(name, Date.now());
  };
  const pods = watchResources<V1Pod>(
    o.kc,
    `/api/v1/namespaces/${o.namespace}/pods`,
    () => core.listNamespacedPod({ namespace: o.namespace }),
    { onAdd: seen, onUpdate: seen },
    { name: 'bench pods', model: 'V1Pod' },
  );
  await pods.hasSynced();
  try {
    o.log(`creating ${o.count} pods`);
    const writesBefore = await apiServerWrites(o.kc);
    const start = Date.now();
    const names = Array.from({ length: o.count }, (_, i) => `burst-${String(i).padStart(5, '0')}`);
    for (let i = 0; i < names.length; i += CREATE_CONCURRENCY) {
      await Promise.all(
        names.slice(i, i + CREATE_CONCURRENCY).map(async (name) => {
          await core.createNamespacedPod({ namespace: o.namespace, body: o.pod(name) });
          created.set(name, Date.now());
        }),
      );
    }
    const createSeconds = (Date.now() - start) / 1000;
    o.log(`created in ${createSeconds.toFixed(1)}s; waiting for bindings`);
    await until(`${o.count} bindings`, () => bound.size >= o.count, o.deadline);
    const allBoundSeconds = (Math.max(...bound.values()) - start) / 1000;
    const latencies = names.map((n) => (bound.get(n)! - created.get(n)!) / 1000).sort((a, b) => a - b);
    await until(`${o.count} pods to succeed`, () => done.size >= o.count, o.deadline);
    const lastEnd = Math.max(...done.values());
    const used = new Set(nodeOf.values());
    o.log(`all done on ${used.size} nodes; waiting for them to go`);
    const waitUntil = Math.min(o.deadline, Date.now() + o.nodeWaitMs);
    let left = used.size;
    let goneAt: number | undefined;
    while (Date.now() < waitUntil) {
      const now = new Set((await core.listNode()).items.map((n) => n.metadata?.name ?? ''));
      left = [...used].filter((n) => now.has(n)).length;
      if (left === 0) {
        goneAt = Date.now();
        break;
      }
      await sleep(250);
    }
    const systemWrites = writesBetween(writesBefore, await apiServerWrites(o.kc));
    return {
      systemWrites,
      pods: o.count,
      createSeconds,
      allBoundSeconds,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      nodes: used.size,
      ...(goneAt !== undefined ? { nodesGoneSeconds: Math.max(0, (goneAt - lastEnd) / 1000) } : {}),
      nodesLeft: left,
    };
  } finally {
    await pods.stop();
  }
}
