import type { V1Pod } from '@kubernetes/client-node';
import { LABEL_ENABLED } from '../model/index.ts';

/** Namespaces the webhook never acts in, whatever their labels say. */
export const NEVER_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

/** The schedulers a pod may name and still be placed by berth: none (the default) or berth's own. */
function takesOurScheduler(schedulerName: string | undefined, ours: string): boolean {
  return (
    schedulerName === undefined ||
    schedulerName === '' ||
    schedulerName === 'default-scheduler' ||
    schedulerName === ours
  );
}

/**
 * Whether the webhook acts on this new pod, or why not. The webhook
 * configuration's selectors already send only opted-in pods; this is the
 * same rule said again so a hand-edited configuration can't widen it.
 */
export function optIn(
  pod: V1Pod,
  namespace: string,
  o: { schedulerName: string; ownNamespace?: string | undefined },
): { ours: true } | { ours: false; why: string } {
  if (NEVER_NAMESPACES.includes(namespace) || namespace === o.ownNamespace) {
    return { ours: false, why: `namespace ${namespace} is never placed by berth` };
  }
  const label = pod.metadata?.labels?.[LABEL_ENABLED];
  if (label === 'false') return { ours: false, why: `the pod opts out (${LABEL_ENABLED}: "false")` };
  if (pod.spec?.nodeName) return { ours: false, why: 'the pod names its node' };
  if (!takesOurScheduler(pod.spec?.schedulerName, o.schedulerName)) {
    return { ours: false, why: `the pod asks for scheduler ${pod.spec?.schedulerName}` };
  }
  return { ours: true };
}
