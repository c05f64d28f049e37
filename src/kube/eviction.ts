/**
 * Moving pods off a node the polite way: cordon it so nothing new lands, and
 * evict through the policy/v1 Eviction subresource so PodDisruptionBudgets
 * are honoured.
 */
import { type CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { apiStatus } from './api-errors.ts';

/** `blocked`: a PodDisruptionBudget refused it for now (429); try again later. */
export type EvictResult = 'evicted' | 'gone' | 'blocked';

export async function evictPod(core: CoreV1Api, namespace: string, name: string): Promise<EvictResult> {
  try {
    await core.createNamespacedPodEviction({
      name,
      namespace,
      body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace } },
    });
    return 'evicted';
  } catch (err) {
    const code = apiStatus(err)?.code;
    if (code === 404) return 'gone';
    if (code === 429) return 'blocked';
    throw err;
  }
}

/** Marks the node unschedulable; idempotent. Returns false when the node is gone. */
export async function cordonNode(core: CoreV1Api, name: string): Promise<boolean> {
  try {
    await core.patchNode(
      { name, body: { spec: { unschedulable: true } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    return true;
  } catch (err) {
    if (apiStatus(err)?.code === 404) return false;
    throw err;
  }
}
