import { BatchV1Api, type V1Pod } from '@kubernetes/client-node';
import { berthPod, core, kc } from './berth-harness.ts';
import { waitFor } from './helpers.ts';

/** Spot machines only, so an interruption scenario always has a spot machine to interrupt. */
export const spotOnly = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: 'berth.dev/capacity-type', operator: 'In', values: ['spot'] }] },
      ],
    },
  },
};

export interface SpotJob {
  /** The Job's pods that are not being deleted. */
  pods(): Promise<V1Pod[]>;
  /** Its first pod, once running. */
  first: V1Pod;
  /** Waits for the pod that replaces `first`, running on another node. */
  replacement(): Promise<V1Pod>;
  delete(): Promise<void>;
}

/** A long Job (`train`) whose one pod runs on spot, for the interruption scenarios of each cloud. */
export async function startSpotJob(namespace: string, schedulerName?: string): Promise<SpotJob> {
  const batch = kc.makeApiClient(BatchV1Api);
  const template = berthPod('x', { completeAfter: '10m', ...(schedulerName ? { schedulerName } : {}) });
  await batch.createNamespacedJob({
    namespace,
    body: {
      metadata: { name: 'train' },
      spec: {
        backoffLimit: 3,
        template: {
          metadata: { annotations: template.metadata?.annotations, labels: { app: 'train' } },
          spec: { ...template.spec!, affinity: spotOnly },
        },
      },
    },
  });
  const pods = async () =>
    (await core.listNamespacedPod({ namespace, labelSelector: 'app=train' })).items.filter(
      (p) => !p.metadata?.deletionTimestamp,
    );
  const first = await waitFor(
    'the first Job pod running',
    async () => (await pods()).find((p) => p.status?.phase === 'Running'),
    90_000,
  );
  return {
    pods,
    first,
    replacement: () =>
      waitFor(
        'a replacement Job pod running on another node',
        async () =>
          (await pods()).find(
            (p) =>
              p.metadata?.uid !== first.metadata?.uid &&
              p.status?.phase === 'Running' &&
              p.spec?.nodeName !== first.spec?.nodeName,
          ),
        120_000,
      ),
    delete: async () => {
      await batch.deleteNamespacedJob({ name: 'train', namespace, propagationPolicy: 'Background' });
    },
  };
}
