import { BatchV1Api, CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { isAlreadyExists } from '../../src/kube/api-errors.ts';
import { berthPod } from '../fixtures/berth-pod.ts';
import { sleep } from './berth-process.ts';
import type { Random } from '../fixtures/random.ts';

/** One thing a team submits: a Job of 1-3 pods or a bare pod, running 5-20 s, at a moment in the burst. */
export interface WorkItem {
  kind: 'job' | 'pod';
  name: string;
  pods: number;
  runForS: number;
  cpu: string;
  atMs: number;
}

const CPUS = ['250m', '500m', '1', '2'];

/** About `pods` pods, as Jobs and bare pods, submitted at random moments over `spreadMs`. */
export function planWorkload(
  rng: Random,
  o: { pods: number; spreadMs: number; runForS: [number, number] },
): WorkItem[] {
  const items: WorkItem[] = [];
  let total = 0;
  for (let i = 0; total < o.pods; i++) {
    const kind = rng.next() < 0.5 ? 'job' : 'pod';
    const pods = kind === 'job' ? Math.min(rng.int(1, 3), o.pods - total) : 1;
    total += pods;
    items.push({
      kind,
      name: `${kind}-${i}`,
      pods,
      runForS: rng.int(o.runForS[0], o.runForS[1]),
      cpu: CPUS[rng.int(0, CPUS.length - 1)]!,
      atMs: Math.round(rng.between(0, o.spreadMs)),
    });
  }
  return items.sort((a, b) => a.atMs - b.atMs);
}

function podBody(item: WorkItem, schedulerName: string): V1Pod {
  const body = berthPod(item.name, { completeAfter: `${item.runForS}s`, cpu: item.cpu, memory: '1Gi' });
  body.spec!.schedulerName = schedulerName;
  return body;
}

/**
 * Creates each item at its moment; a create that fails (the API server may be
 * down) is retried until it succeeds, for at most a minute.
 */
export async function submitWorkload(
  kc: KubeConfig,
  namespace: string,
  schedulerName: string,
  items: WorkItem[],
): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const t0 = Date.now();
  const create = async (item: WorkItem) => {
    const body = podBody(item, schedulerName);
    if (item.kind === 'pod') return core.createNamespacedPod({ namespace, body });
    return batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: item.name },
        spec: {
          completions: item.pods,
          parallelism: item.pods,
          // A pod lost to a wrong teardown fails the Job, instead of being quietly replaced.
          backoffLimit: 0,
          template: { metadata: { annotations: body.metadata?.annotations }, spec: body.spec! },
        },
      },
    });
  };
  await Promise.all(
    items.map(async (item) => {
      await sleep(Math.max(0, t0 + item.atMs - Date.now()));
      const deadline = Date.now() + 60_000;
      for (;;) {
        try {
          await create(item);
          return;
        } catch (err) {
          if (isAlreadyExists(err)) return;
          if (Date.now() > deadline)
            throw new Error(`could not create ${item.kind} ${item.name}: ${String(err)}`);
          await sleep(250);
        }
      }
    }),
  );
}
