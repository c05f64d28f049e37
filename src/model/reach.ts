import type { Arch, CapacityType, Cloud } from './offering.ts';

/** Something a pod can ask for that not every place it could run gives. */
export type PodFeature =
  | 'privileged'
  | 'hostNetwork'
  | 'hostPort'
  | 'hostPath'
  | 'hostNamespaces'
  | 'gpu'
  | 'daemonSets';

/**
 * What a node provider can launch here. The runtime keeps only the offerings
 * inside it, so the engine never ranks what cannot be bought (Fargate for a
 * provider that only runs EC2 machines, a zone it has no subnet in).
 */
export interface Reach {
  cloud: Cloud;
  /** The regions it launches in. */
  regions: readonly string[];
  /** The zones it launches in; absent: any zone of its regions. */
  zones?: readonly string[];
  capacityTypes: readonly CapacityType[];
  /** Serverless platforms it can run pods on, by offering family (e.g. `fargate`). */
  serverless: readonly string[];
  archs: readonly Arch[];
  /** What a pod may not ask for at all through this provider (its machines can't give it). */
  cannotHost: readonly PodFeature[];
}

/** Why an offering is outside a provider's reach, for the log that says what was left out. */
export type OutOfReach =
  | 'cloud'
  | 'region'
  | 'zone'
  | 'capacity type'
  | 'serverless platform'
  | 'architecture';
