import type { NodeSettings } from './claim.ts';
import type { Offering } from './offering.ts';
import type { Resources } from './resources.ts';

export interface PodRef {
  namespace: string;
  name: string;
  uid?: string;
}

/** What a pod asks of a node, after right-sizing. */
export interface Sizing {
  /** The pod's effective request as Kubernetes computes it. */
  podRequest: Resources;
  /** The request after the policy's headroom, clamps or VPA recommendation. */
  adjusted: Resources;
  /** What the node's allocatable must cover: adjusted + DaemonSet pods that would run there. */
  need: Resources;
  /**
   * What the node must hold for the kubelet to admit the pod: its request
   * (within the policy's max) + the DaemonSet pods. Without
   * `upsizeForHeadroom`, machines are chosen by this, and headroom and min
   * are granted only as far as the chosen machine has room.
   */
  minimum: Resources;
  /** The pod's request within the policy's max: what the kubelet admits it with. */
  admitted: Resources;
  /** Requests of the DaemonSet pods that tolerate the dedicated taint. */
  daemonSets: Resources;
}

/** A fitting, allowed offering with its price for this pod. */
export interface Candidate {
  offering: Offering;
  /** USD/h actually paid (for serverless: the rounded shape). */
  pricePerHour: number;
  /** USD/h used for ranking (spot weighted by interruption risk). */
  effectivePricePerHour: number;
  /** Serverless only: the shape the request was rounded up to. */
  serverlessShape?: { cpu: number; memoryMiB: number };
  /** Machines only: how the node is launched (root volume, kubelet maxPods); carried to the Claim. */
  node?: NodeSettings;
  /** Machines only: the root volume's share of `pricePerHour` (the cloud's block-storage rate). */
  rootVolumePricePerHour?: number;
  /**
   * Millicores cut from the pod's CPU request so that it fits this machine
   * (the policy's shapeFit): the webhook applies it at creation.
   */
  cpuTrim?: number;
  /** Burstable machines only: the CPU credits the pod's request above the baseline costs, in `pricePerHour`. */
  cpuCreditPricePerHour?: number;
  /**
   * Regional offering only, when the policy or the pod restricts zones: launch
   * in one of these (the offering itself could land in any zone of its region).
   */
  zones?: string[];
}

export type RejectReason =
  | 'too-small'
  | 'gpu'
  | 'arch'
  | 'policy'
  | 'selector'
  | 'unavailable'
  | 'over-max-price'
  | 'serverless-limit'
  | 'burstable';

/**
 * Why one offering was ruled out, kept as data so the hot path never formats
 * strings; placement/explain turns it into words only when someone reads it.
 */
export interface Rejection {
  reason: RejectReason;
  /** The resource, label or policy field that failed, e.g. `cpu`, `region`, `spot.maxInterruptionBand`. */
  rule: string;
  /** What the pod or policy asked for (canonical units for resources). */
  wanted?: string | number;
  /** What the offering has. */
  actual?: string | number;
  /** Where in the pod the rule was broken, e.g. `spec.containers[1].securityContext.privileged`. */
  field?: string;
}

export interface Miss {
  offering: Offering;
  /** What the pod would pay there (for serverless: its rounded shape). */
  pricePerHour: number;
  reasons: string[];
}

/** What a pod would pay as its share of a shared node, to set beside its dedicated machine (placement/packed-share). */
export interface PackedShare {
  /** The machine type where the pod's share costs least. */
  offering: Offering;
  /** USD/h: the larger of the pod's cpu and memory shares of that machine's price. */
  pricePerHour: number;
}

export interface Decision {
  pod: PodRef;
  sizing: Sizing;
  policyName: string;
  chosen?: Candidate;
  /** Ranked next-best candidates, cheapest first, to try on a capacity error. */
  fallbacks: Candidate[];
  /** How many offerings were ruled out, by reason. */
  rejected: Partial<Record<RejectReason, number>>;
  /** When nothing fits: the closest offerings and what ruled each out. */
  nearestMisses: Miss[];
  /** Machine pods without GPUs: the same pod's share of a packed node, the price of its isolation. */
  packedShare?: PackedShare;
  /** One line a person can read: why this one, the runner-up, what was rejected. */
  explanation: string;
}
