import type { V1Node } from '@kubernetes/client-node';
import {
  ANNOTATION_CLAIM_ID,
  ANNOTATION_KWOK_NODE,
  ANNOTATION_LAUNCHED_AT,
  ANNOTATION_OFFERING_ID,
  type Claim,
  type Cloud,
  CPU,
  EPHEMERAL_STORAGE,
  GiB,
  type Instance,
  LABEL_CLOUD,
  LABEL_CLUSTER,
  LABEL_PROVIDER,
  MEMORY,
  MiB,
  type NodeSettings,
  type Offering,
  PODS,
  type Resources,
} from '../../src/model/index.ts';

/**
 * The simulated cloud's machine is a Node: these pure functions turn a claim
 * into the Node a kubelet would register, and a Node back into an Instance.
 */

export const PROVIDER_NAME = 'local';
const PROVIDER_ID_PREFIX = 'local://';
/** Kubernetes' default `--max-pods`. */
const DEFAULT_MAX_PODS = 110;
const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export function providerIdFor(cloud: Cloud, region: string, nodeName: string): string {
  return `${PROVIDER_ID_PREFIX}${cloud}/${region}/${nodeName}`;
}

/** The node name an instance id ends in, or undefined when the id isn't one of ours. */
export function nodeNameOf(instanceId: string): string | undefined {
  if (!instanceId.startsWith(PROVIDER_ID_PREFIX)) return undefined;
  const parts = instanceId.slice(PROVIDER_ID_PREFIX.length).split('/');
  return parts.length === 3 && parts.every((p) => p.length > 0) ? parts[2] : undefined;
}

/** The machine's size as a kubelet reports it, in canonical units (see Resources). */
export function capacityOf(o: Offering): Resources {
  const out: Record<string, number> = {
    [CPU]: o.cpu,
    [MEMORY]: o.memoryMiB * MiB,
    [PODS]: o.maxPods ?? DEFAULT_MAX_PODS,
  };
  if (o.gpu && o.gpu.count > 0) out['nvidia.com/gpu'] = o.gpu.count;
  return out;
}

function isBytes(resource: string): boolean {
  return resource === MEMORY || resource === 'ephemeral-storage' || resource.startsWith('hugepages-');
}

/** A canonical amount as a Kubernetes quantity, rounded down (never promise more than there is). */
export function toQuantity(resource: string, amount: number): string {
  const n = Math.max(0, Math.floor(amount));
  if (resource === CPU) return n % 1000 === 0 ? String(n / 1000) : `${n}m`;
  if (!isBytes(resource) || n === 0) return String(n);
  if (n % GiB === 0) return `${n / GiB}Gi`;
  if (n % MiB === 0) return `${n / MiB}Mi`;
  if (n % 1024 === 0) return `${n / 1024}Ki`;
  return String(n);
}

function toQuantities(r: Resources): Record<string, string> {
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, toQuantity(k, v)]));
}

export interface NodeOptions {
  cloud: Cloud;
  clusterName?: string;
  /** What the node keeps for itself, for a node launched with the claim's settings (placement's nodeAllocatable). */
  allocatableOf: (o: Offering, node?: NodeSettings) => Resources;
  launchedAt: string;
  /** A machine whose kubelet never reports Ready (a fault the tests inject). */
  neverReady?: boolean;
}

/** Labels that mark a node as this provider's (and this cluster's, when named). */
export function ownershipLabels(cloud: Cloud, clusterName?: string): Record<string, string> {
  return {
    [LABEL_PROVIDER]: PROVIDER_NAME,
    [LABEL_CLOUD]: cloud,
    ...(clusterName ? { [LABEL_CLUSTER]: clusterName } : {}),
  };
}

/**
 * The Node for a claim, as a kubelet on the new machine would register it.
 * Capacity covers at least allocatable for every resource, since the reserve
 * function may name resources (e.g. ephemeral-storage) the offering doesn't.
 */
export function nodeFor(claim: Claim, opts: NodeOptions): V1Node {
  const o = claim.offering;
  const allocatable = opts.allocatableOf(o, claim.node);
  const capacity: Record<string, number> = { ...capacityOf(o) };
  // The kubelet runs with the claim's maxPods, on a root volume of the claim's size.
  if (claim.node) {
    capacity[PODS] = claim.node.maxPods;
    capacity[EPHEMERAL_STORAGE] = claim.node.rootVolumeGiB * GiB;
  }
  for (const [k, v] of Object.entries(allocatable)) capacity[k] = Math.max(capacity[k] ?? 0, v);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: claim.nodeName,
      labels: {
        [HOSTNAME_LABEL]: claim.nodeName,
        ...claim.labels,
        ...ownershipLabels(opts.cloud, opts.clusterName),
      },
      annotations: {
        // kwok runs only annotated Nodes: without it, the Node never turns Ready.
        ...(opts.neverReady ? {} : { [ANNOTATION_KWOK_NODE]: 'fake' }),
        [ANNOTATION_CLAIM_ID]: claim.id,
        [ANNOTATION_OFFERING_ID]: o.id,
        [ANNOTATION_LAUNCHED_AT]: opts.launchedAt,
      },
    },
    spec: {
      providerID: providerIdFor(opts.cloud, o.region, claim.nodeName),
      taints: claim.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    },
    status: { capacity: toQuantities(capacity), allocatable: toQuantities(allocatable) },
  };
}

export function claimIdOf(node: V1Node): string | undefined {
  return node.metadata?.annotations?.[ANNOTATION_CLAIM_ID];
}

function timestamp(t: Date | string | undefined): string {
  if (t === undefined) return '';
  return t instanceof Date ? t.toISOString() : t;
}

/**
 * The Instance a Node stands for, or undefined when the Node carries no
 * provider id (then it was not launched by us). The machine runs as soon as
 * its Node exists; whether it is Ready is the controller's concern.
 */
export function instanceOf(node: V1Node): Instance | undefined {
  const providerId = node.spec?.providerID;
  const name = node.metadata?.name;
  if (!providerId || !name) return undefined;
  const annotations = node.metadata?.annotations ?? {};
  return {
    id: providerId,
    claimId: annotations[ANNOTATION_CLAIM_ID] ?? '',
    nodeName: name,
    providerId,
    offeringId: annotations[ANNOTATION_OFFERING_ID] ?? '',
    state: node.metadata?.deletionTimestamp ? 'terminating' : 'running',
    launchedAt: annotations[ANNOTATION_LAUNCHED_AT] ?? timestamp(node.metadata?.creationTimestamp),
  };
}
