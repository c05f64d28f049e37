import { type InterruptionNotice, LABEL_POD_UID } from '../model/index.ts';
import type { ClusterView, ClusterWriter } from './ports.ts';
import { splitKey } from './reconciler.ts';

/** Owners that recreate an evicted pod, so it gets a new node before the old one is taken back. */
const REPLACEABLE_OWNERS = new Set(['Job', 'ReplicaSet', 'StatefulSet']);

/**
 * Spot reclaim ahead: cordon the node, and let a controller-owned pod be
 * recreated on a fresh node; a bare pod is told it will lose its node.
 * `podKeyOf` finds the pod (`namespace/name`) a node's pod-uid label names.
 */
export async function handleInterruption(
  notice: InterruptionNotice,
  d: { view: ClusterView; writer: ClusterWriter; podKeyOf: (uid: string) => string | undefined },
): Promise<void> {
  const node = d.view.node(notice.nodeName);
  const key = d.podKeyOf(node?.metadata?.labels?.[LABEL_POD_UID] ?? '');
  await d.writer.cordon(notice.nodeName);
  if (!key) return;
  const [namespace, name] = splitKey(key);
  const pod = d.view.pod(namespace, name);
  if (!pod) return;
  const owner = pod.metadata?.ownerReferences?.find((o) => o.controller);
  const when = `node ${notice.nodeName} will be reclaimed by ${notice.deadline}`;
  if (owner && REPLACEABLE_OWNERS.has(owner.kind)) {
    await d.writer.event(
      pod,
      'Warning',
      'SpotInterruption',
      `${when}; evicting so ${owner.kind} ${owner.name} replaces the pod on a new node`,
    );
    await d.writer.evict(namespace, name);
  } else {
    await d.writer.event(
      pod,
      'Warning',
      'SpotInterruption',
      `${when}; this pod has no controller to replace it`,
    );
  }
}
