import type { V1Pod } from '@kubernetes/client-node';
import { type BerthObject, FINALIZER } from '../model/index.ts';

/**
 * What one reconcile of a pod's key should do next, from what is observed now.
 * Pure, so every restart point (killed between launch and bind, during
 * teardown, ...) is a row in a table test rather than a race.
 */
export type Step =
  | { kind: 'nothing' }
  /** No Berth yet: decide and record the intent. */
  | { kind: 'decide' }
  /** Nothing fitted last time; decide again (on a catalog or policy change). */
  | { kind: 'redecide' }
  /** Intent recorded, no Ready node yet: launch (idempotent) or keep waiting. */
  | { kind: 'launch' }
  /** The node is Ready and the pod still unbound. */
  | { kind: 'bind'; nodeName: string }
  /** The pod is bound to our node but the Berth doesn't say so yet (restart after bind). */
  | { kind: 'record-bound'; nodeName: string }
  /** The pod finished, went away, or belongs to an older pod of the same name: free the machine. */
  | { kind: 'teardown' }
  /** Torn down and no longer needed: drop the finalizer so the Berth can go. */
  | { kind: 'release'; deleteBerth: boolean };

export interface Observed {
  pod?: V1Pod;
  berth?: BerthObject;
  /** The Ready node of the Berth's current attempt, if there is one. */
  readyNode?: string;
  /**
   * The pod was sent to a serverless platform's own scheduler at creation:
   * berth records its Berth and cost, but never launches or binds for it.
   */
  platform?: boolean;
}

export function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

export function nextStep({ pod, berth, readyNode, platform = false }: Observed): Step {
  if (!berth) {
    if (!pod || pod.metadata?.deletionTimestamp) return { kind: 'nothing' };
    // A platform may run the pod, even to its end, before berth sees it; it still gets its Berth and cost.
    if (platform && pod.spec?.nodeName) return { kind: 'decide' };
    if (isTerminal(pod) || pod.spec?.nodeName) return { kind: 'nothing' };
    return { kind: 'decide' };
  }
  const phase = berth.status?.phase;
  const stale = pod !== undefined && pod.metadata?.uid !== berth.spec.pod.uid;
  const podGone = pod === undefined || stale || pod.metadata?.deletionTimestamp !== undefined;
  const finished = podGone || (pod !== undefined && isTerminal(pod));

  const deleting = berth.metadata.deletionTimestamp !== undefined;
  // Where a platform ran the pod is recorded before its end is.
  const boundThere = platform && !podGone && pod?.spec?.nodeName;
  if (boundThere && phase !== 'Bound' && phase !== 'Terminated' && berth.spec.offering && !deleting) {
    return { kind: 'record-bound', nodeName: boundThere };
  }
  if (finished || deleting) {
    if (phase !== 'Terminated') return { kind: 'teardown' };
    // A stale Berth blocks the new pod of the same name, so it is deleted, not just released.
    if (stale && !deleting) return { kind: 'release', deleteBerth: true };
    if ((podGone || deleting) && berth.metadata.finalizers?.includes(FINALIZER)) {
      return { kind: 'release', deleteBerth: false };
    }
    return { kind: 'nothing' };
  }
  if (!pod) return { kind: 'nothing' };
  if (!berth.spec.offering) return { kind: 'redecide' };
  const boundTo = pod.spec?.nodeName;
  if (boundTo) {
    return phase === 'Bound' ? { kind: 'nothing' } : { kind: 'record-bound', nodeName: boundTo };
  }
  // Bound is only recorded after the binding succeeded: an unbound pod here is a cache that lags.
  if (phase === 'Bound' || platform) return { kind: 'nothing' };
  if (readyNode) return { kind: 'bind', nodeName: readyNode };
  return { kind: 'launch' };
}
