import { createHash } from 'node:crypto';
import type { Claim, Instance, InstanceState } from '../../src/model/index.ts';

/**
 * The labels on every VM berth launches: how the provider finds its VMs
 * again (after a restart, for garbage collection, for a preemption), and what
 * the IAM conditions can key on. Compute Engine label keys and values are
 * lower case letters, digits, `_` and `-`, at most 63 characters.
 */
export const LABEL_CLUSTER = 'berth-cluster';
export const LABEL_INSTALLATION = 'berth-installation';
export const LABEL_CLAIM = 'berth-claim';
export const LABEL_POD = 'berth-pod';
export const LABEL_NAMESPACE = 'berth-namespace';
/** Metadata (not a label: it holds `/`): the offering the VM was bought as. */
export const METADATA_OFFERING_ID = 'berth-offering-id';
/** Metadata: the claim a VM is for, written with its per-claim registration (the boot waits for it on a batched VM). */
export const METADATA_CLAIM = 'berth-claim';
/** Metadata of a batched VM until its per-claim write: its boot must wait for `berth-claim` before starting the kubelet. */
export const METADATA_AWAITS_CLAIM = 'berth-awaits-claim';

export interface Ownership {
  cluster: string;
  installation: string;
}

/** A value Compute Engine takes as a label value. */
export function labelValue(value: string): string {
  return value
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '-')
    .slice(0, 63);
}

/** The labels every VM of the installation carries, a batched one from its first moment. */
export function ownerLabels(owner: Ownership): Record<string, string> {
  return {
    [LABEL_CLUSTER]: labelValue(owner.cluster),
    [LABEL_INSTALLATION]: labelValue(owner.installation),
  };
}

export function claimLabels(claim: Claim, owner: Ownership): Record<string, string> {
  return {
    ...ownerLabels(owner),
    [LABEL_CLAIM]: labelValue(claim.id),
    [LABEL_POD]: labelValue(claim.pod.name),
    [LABEL_NAMESPACE]: labelValue(claim.pod.namespace),
  };
}

/** The list filter that matches only this installation's VMs (and, given, one claim's). */
export function ownershipFilter(owner: Ownership, claimId?: string): string {
  const terms = [
    `labels.${LABEL_CLUSTER} = "${labelValue(owner.cluster)}"`,
    `labels.${LABEL_INSTALLATION} = "${labelValue(owner.installation)}"`,
    ...(claimId ? [`labels.${LABEL_CLAIM} = "${labelValue(claimId)}"`] : []),
  ];
  return terms.join(' AND ');
}

/**
 * The filter (regular-expression `eq` form, Compute Engine's only way to
 * match one of several values) for this installation's VMs with these names.
 */
export function namesFilter(owner: Ownership, names: readonly string[]): string {
  return [
    `(labels.${LABEL_CLUSTER} eq "${labelValue(owner.cluster)}")`,
    `(labels.${LABEL_INSTALLATION} eq "${labelValue(owner.installation)}")`,
    `(name eq "${names.join('|')}")`,
  ].join(' ');
}

/** A UUID derived from the claim and the zone: the same launch always sends the same requestId. */
export function requestIdFor(claimId: string, zone: string): string {
  const h = createHash('sha256').update(`berth/${claimId}/${zone}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `gce://project/zone/name`, as GKE's nodes carry it. */
export const providerIdOf = (project: string, zone: string, name: string) =>
  `gce://${project}/${zone}/${name}`;

/** berth's instance id for a VM: `zone/name`; a provider id (`gce://p/zone/name`) is read too. */
export function vmRefOf(instanceId: string): { zone: string; name: string } {
  const parts = instanceId.replace(/^gce:\/\/[^/]+\//, '').split('/');
  const [zone, name] =
    parts.length >= 2 ? [parts[parts.length - 2], parts[parts.length - 1]] : [undefined, undefined];
  if (!zone || !name) throw new Error(`expected a GCE instance id zone/name, got "${instanceId}"`);
  return { zone, name };
}

/** The fields of a Compute Engine `Instance` berth reads. */
export interface GceInstance {
  name?: string | null;
  zone?: string | null;
  status?: string | null;
  labels?: Record<string, string> | null;
  labelFingerprint?: string | null;
  creationTimestamp?: string | null;
  metadata?: {
    items?: { key?: string | null; value?: string | null }[] | null;
    fingerprint?: string | null;
  } | null;
}

/** A metadata value of a listed VM. */
export const metadataOf = (vm: GceInstance, key: string): string | undefined =>
  vm.metadata?.items?.find((i) => i.key === key)?.value ?? undefined;

/** The claim a VM is for: its label, or its metadata; none on a batched VM before its per-claim write. */
export const claimOf = (vm: GceInstance): string | undefined =>
  vm.labels?.[LABEL_CLAIM] || metadataOf(vm, METADATA_CLAIM) || undefined;

const STATE: Readonly<Record<string, InstanceState>> = {
  PROVISIONING: 'pending',
  STAGING: 'pending',
  RUNNING: 'running',
  REPAIRING: 'running',
  STOPPING: 'terminating',
  SUSPENDING: 'terminating',
  SUSPENDED: 'terminating',
  TERMINATED: 'terminated',
};

/**
 * A listed VM as an Instance; undefined when it is no VM of a claim. A
 * batched VM its per-claim write never reached (a crash in between) is
 * reported with an empty claim id: its name still says whose it is, and
 * garbage collection must see it.
 */
export function instanceFromGce(project: string, vm: GceInstance): Instance | undefined {
  const claimId = claimOf(vm) ?? (metadataOf(vm, METADATA_AWAITS_CLAIM) ? '' : undefined);
  const zone = (vm.zone ?? '').split('/').pop() ?? '';
  if (claimId === undefined || !vm.name || !zone) return undefined;
  const offeringId = metadataOf(vm, METADATA_OFFERING_ID) ?? '';
  return {
    id: `${zone}/${vm.name}`,
    claimId,
    nodeName: vm.name,
    providerId: providerIdOf(project, zone, vm.name),
    offeringId,
    state: STATE[vm.status ?? ''] ?? 'pending',
    launchedAt: vm.creationTimestamp
      ? new Date(vm.creationTimestamp).toISOString()
      : new Date(0).toISOString(),
  };
}
