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
}

export type RejectReason =
  | 'too-small'
  | 'gpu'
  | 'arch'
  | 'policy'
  | 'selector'
  | 'unavailable'
  | 'over-max-price'
  | 'serverless-limit';

export interface Miss {
  offering: Offering;
  reasons: string[];
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
  /** One line a person can read: why this one, the runner-up, what was rejected. */
  explanation: string;
}
