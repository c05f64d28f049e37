/**
 * Binding a pod to its node through the pods/binding subresource, the way
 * kube-scheduler does. The pod's uid is a precondition, so a pod deleted and
 * recreated under the same name is never bound to the node bought for the
 * old one; binding again to the same node is a success, so a retry after a
 * crash between bind and record is harmless.
 */
import type { CoreV1Api } from '@kubernetes/client-node';
import { isConflict } from './api-errors.ts';

export type BindResult = 'bound' | 'already-bound';

export async function bindPod(
  core: CoreV1Api,
  pod: { namespace: string; name: string; uid: string },
  nodeName: string,
): Promise<BindResult> {
  try {
    await core.createNamespacedPodBinding({
      name: pod.name,
      namespace: pod.namespace,
      body: {
        metadata: { name: pod.name, namespace: pod.namespace, uid: pod.uid },
        target: { apiVersion: 'v1', kind: 'Node', name: nodeName },
      },
    });
    return 'bound';
  } catch (err) {
    if (!isConflict(err)) throw err;
    // 409: already bound (to this node is fine) or the uid no longer matches.
    const current = await core.readNamespacedPod({ name: pod.name, namespace: pod.namespace });
    if (current.metadata?.uid === pod.uid && current.spec?.nodeName === nodeName) return 'already-bound';
    throw err;
  }
}
