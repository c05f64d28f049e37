import type { NodeSettings } from './claim.ts';
import type { CapacityType, Cloud, PriceSource } from './offering.ts';

/**
 * The Berth custom resource (berth.dev/v1alpha1, namespaced with its pod):
 * the durable intent for one placed pod. The controller is its only writer.
 */
export const BERTH_API_VERSION = 'berth.dev/v1alpha1';
export const BERTH_KIND = 'Berth';
export const BERTH_PLURAL = 'berths';
export const POLICY_KIND = 'PlacementPolicy';
export const POLICY_PLURAL = 'placementpolicies';

export const BERTH_PHASES = [
  'Pending',
  'Launching',
  'Registered',
  'Bound',
  'Terminating',
  'Terminated',
  'Failed',
] as const;
export type BerthPhase = (typeof BERTH_PHASES)[number];

/** The offering a Berth was placed on, as recorded (prices never live in etcd beyond this record). */
export interface PlacedOffering {
  id: string;
  cloud: Cloud;
  region: string;
  zone?: string;
  instanceType: string;
  capacityType: CapacityType;
  /** USD/h paid. */
  pricePerHour: number;
  /** pricePerHour to four places (e.g. `0.0416`): kubectl prints a number column unrounded. */
  hourlyPrice?: string;
  /** USD/h of the on-demand twin of this shape, for savings reports; absent when unknown. */
  onDemandPricePerHour?: number;
  source: PriceSource;
}

export interface BerthSpec {
  pod: { name: string; namespace: string; uid: string };
  policy: string;
  /** Absent while nothing fits (status.reason says why). */
  offering?: PlacedOffering;
  /** Ranked next choices, tried in order on capacity errors. */
  fallbacks: PlacedOffering[];
  /** How the chosen machine is launched (root volume, kubelet maxPods); absent for serverless. */
  node?: NodeSettings;
  explanation: string;
  /** The pod's labels at placement, for cost by label. */
  podLabels?: Record<string, string>;
}

export interface BerthStatus {
  phase: BerthPhase;
  instanceId?: string;
  nodeName?: string;
  providerId?: string;
  /** Launch attempts so far (one per offering tried). */
  attempts?: number;
  reason?: string;
  message?: string;
  /** When each phase was entered (RFC 3339). */
  timestamps?: Partial<Record<BerthPhase, string>>;
}

export interface BerthObject {
  apiVersion: typeof BERTH_API_VERSION;
  kind: typeof BERTH_KIND;
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    finalizers?: string[];
    deletionTimestamp?: string | Date;
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    ownerReferences?: {
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
  };
  spec: BerthSpec;
  status?: BerthStatus;
}
