import type { V1DaemonSet, V1Node, V1Pod } from '@kubernetes/client-node';
import type { BerthObject, BerthSpec, BerthStatus, PolicySpec, Toleration } from '../model/index.ts';

/**
 * What the reconciler reads (informer caches: never an API call) and writes
 * (the API server). Kept as an interface so the reconciler stays a readable
 * sequence of decisions, with the client-node plumbing at the edge.
 */
export interface ClusterView {
  /**
   * Berths reflect this controller's own writes at once, even before the
   * watch delivers them, so a reconcile never acts on a state it already changed.
   */
  pod(namespace: string, name: string): V1Pod | undefined;
  /** Never a malformed Berth (see malformedBerth). */
  berth(namespace: string, name: string): BerthObject | undefined;
  /** Why the pod's Berth, which the API server has, cannot be used (someone broke it by hand); else undefined. */
  malformedBerth(namespace: string, name: string): string | undefined;
  node(name: string): V1Node | undefined;
  berths(): BerthObject[];
  pods(): V1Pod[];
  /** The pod as the API server has it now (one read), for decisions a stale cache must not make. */
  readPod(namespace: string, name: string): Promise<V1Pod | undefined>;
  nodes(): V1Node[];
  /** A PlacementPolicy's spec, undefined when absent. */
  policy(namespace: string, name: string): PolicySpec | undefined;
  daemonSets(): V1DaemonSet[];
}

export interface ClusterWriter {
  /** Creates the Berth; one that already exists for the same pod is returned as it is. */
  createBerth(berth: BerthObject): Promise<BerthObject>;
  /** A field given as undefined is removed. */
  patchBerthSpec(namespace: string, name: string, spec: Partial<BerthSpec>): Promise<void>;
  patchBerthStatus(namespace: string, name: string, status: Partial<BerthStatus>): Promise<void>;
  /**
   * Drops our finalizer; a Berth or finalizer already gone is fine. With
   * `status`, sets it in the same write (`known`: the Berth as last seen).
   */
  releaseBerth(
    namespace: string,
    name: string,
    last?: { status: Partial<BerthStatus>; known?: BerthObject },
  ): Promise<void>;
  deleteBerth(namespace: string, name: string): Promise<void>;
  /** Binds the pod (pods/binding, uid precondition); already bound to this node is fine. */
  bind(pod: { namespace: string; name: string; uid: string }, nodeName: string): Promise<void>;
  /** Adds tolerations to a pod that lacks them (the only change a pod's spec allows after creation). */
  tolerate(pod: V1Pod, tolerations: readonly Toleration[]): Promise<void>;
  /** Deletes the Node; already gone is fine. */
  deleteNode(name: string): Promise<void>;
  cordon(nodeName: string): Promise<void>;
  evict(namespace: string, name: string): Promise<void>;
  /** An Event on the pod; never throws. */
  event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, note: string): Promise<void>;
  /** An Event on a Berth (when there is no pod to tell); never throws. */
  berthEvent(
    berth: { namespace: string; name: string },
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
  ): Promise<void>;
}
