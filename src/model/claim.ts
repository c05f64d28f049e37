import type { Offering } from './offering.ts';
import type { PodRef } from './decision.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A request to a provider for one machine, keyed by the Berth's identity. */
export interface Claim {
  /** The Berth's uid: launching twice with the same id yields the same machine. */
  id: string;
  /** Name of the Node the machine registers as. */
  nodeName: string;
  pod: Required<PodRef>;
  offering: Offering;
  labels: Readonly<Record<string, string>>;
  taints: readonly Taint[];
}

export type InstanceState = 'pending' | 'running' | 'terminating' | 'terminated';

export interface Instance {
  id: string;
  claimId: string;
  nodeName: string;
  providerId: string;
  offeringId: string;
  state: InstanceState;
  launchedAt: string;
}
