import type { Claim, Instance, InterruptionNotice } from './claim.ts';
import type { Cloud, Offering } from './offering.ts';
import type { Reach } from './reach.ts';

/** pricing/: each cloud turns its own price list into offerings. */
export interface PricingAdapter {
  readonly cloud: Cloud;
  /** Live prices; the caller keeps the last good set when this throws. */
  fetch(signal: AbortSignal): Promise<Offering[]>;
}

/** providers/: each cloud turns a claim into a machine that joins as a Node. */
export interface NodeProvider {
  readonly cloud: Cloud;
  /** What it can launch; the runtime decides only among offerings inside it. */
  readonly reach: Reach;
  /** Idempotent on claim.id. Throws CapacityError when the offering can't be had now. */
  launch(claim: Claim, signal: AbortSignal): Promise<Instance>;
  /** Idempotent; an instance that is already gone is fine. */
  terminate(instanceId: string): Promise<void>;
  /** Everything tagged as ours. */
  list(): Promise<Instance[]>;
  /**
   * True when its machines join outside the cluster's own node pools, so
   * nobody else approves their kubelets' certificate signing requests: the
   * controller approves those of live machines in `list()`, and no others.
   */
  readonly approvesKubeletCsrs?: boolean;
  /**
   * Subscribe to interruption notices, for clouds that send them (spot).
   * Returns the unsubscribe function. Absent when the provider can't hear them.
   */
  onInterruption?(handler: (notice: InterruptionNotice) => void): () => void;
}
