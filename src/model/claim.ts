import type { Offering } from './offering.ts';
import type { PodRef } from './decision.ts';

export interface Taint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/**
 * How a dedicated machine is launched for its pod, decided by placement and
 * carried by the Claim so the provider launches exactly what was priced.
 */
export interface NodeSettings {
  /** Root volume size in GiB: the pod's ephemeral storage plus the image and system reserve. */
  rootVolumeGiB: number;
  /** The kubelet's maxPods: the pod, the DaemonSets that follow it and a small margin. */
  maxPods: number;
}

/** The largest root volume berth attaches: gp3's limit (16 TiB); pd-balanced and Azure's disks go further. */
export const ROOT_VOLUME_LIMIT_GIB = 16 * 1024;

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
  /** How to launch the machine; absent means the provider's defaults (20 GiB, the offering's maxPods). */
  node?: NodeSettings;
}

/** A toleration the pod needs to run on a platform's node. */
export interface Toleration {
  key: string;
  operator: 'Exists' | 'Equal';
  value?: string;
  effect?: Taint['effect'];
}

/**
 * A node a serverless platform already runs (a virtual node, such as Azure
 * Container Instances'): the pod is bound there, with these tolerations added.
 */
export interface VirtualNode {
  name: string;
  tolerations: readonly Toleration[];
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
  /** Set when the claim runs on a platform's virtual node instead of a machine of its own. */
  virtualNode?: VirtualNode;
}

/**
 * A cloud's warning that it will take a machine back (a spot interruption) or
 * would like to (a rebalance recommendation). Delivered by providers that can
 * hear such warnings, so the controller can move the pod before the deadline.
 */
export interface InterruptionNotice {
  instanceId: string;
  nodeName: string;
  kind: 'spot-interruption' | 'rebalance';
  /** RFC 3339: when the cloud will reclaim the machine (for a rebalance: no sooner than this). */
  deadline: string;
}
