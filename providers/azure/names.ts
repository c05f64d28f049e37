import { createHash } from 'node:crypto';
import type { VirtualMachine } from '@azure/arm-compute';
import type { Claim, Instance, InstanceState } from '../../src/model/index.ts';

/**
 * Tags on every resource berth creates (VM, NIC, disk): how the provider
 * finds its resources again after a restart, for garbage collection and for
 * an eviction, and what the custom role's conditions can match on.
 */
export const TAG_CLUSTER = 'berth.dev_cluster';
export const TAG_INSTALLATION = 'berth.dev_installation';
export const TAG_CLAIM_ID = 'berth.dev_claim-id';
export const TAG_NODE_NAME = 'berth.dev_node-name';
export const TAG_POD = 'berth.dev_pod';
export const TAG_NAMESPACE = 'berth.dev_namespace';
export const TAG_POD_UID = 'berth.dev_pod-uid';
export const TAG_OFFERING_ID = 'berth.dev_offering-id';

/** Azure refuses tag values longer than this. */
const MAX_TAG_VALUE = 256;

export interface Ownership {
  cluster: string;
  installation: string;
}

/** The resource names of one claim: derived from it, so a retried PUT names the same VM. */
export interface ClaimNames {
  vm: string;
  nic: string;
  osDisk: string;
}

/**
 * `berth-<20 hex of sha256(claim, offering, zone)>`: the same for every try
 * of one claim's offering in one zone (so a retried PUT is the same VM), a
 * fresh name for the next offering or zone (a VM's zone can't change), short
 * enough for a Linux host name, free of what Azure refuses in names.
 */
export function claimNames(claimId: string, offeringId: string, zone: string | undefined): ClaimNames {
  const key = `${claimId}|${offeringId}|${zone ?? ''}`;
  const vm = `berth-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
  return { vm, nic: `${vm}-nic`, osDisk: `${vm}-osdisk` };
}

export function claimTags(claim: Claim, owner: Ownership): Record<string, string> {
  const tags: Record<string, string> = {
    [TAG_CLUSTER]: owner.cluster,
    [TAG_INSTALLATION]: owner.installation,
    [TAG_CLAIM_ID]: claim.id,
    [TAG_NODE_NAME]: claim.nodeName,
    [TAG_POD]: claim.pod.name,
    [TAG_NAMESPACE]: claim.pod.namespace,
    [TAG_POD_UID]: claim.pod.uid,
    [TAG_OFFERING_ID]: claim.offering.id,
  };
  return Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, v.slice(0, MAX_TAG_VALUE)]));
}

export function owns(tags: Readonly<Record<string, string>> | undefined, owner: Ownership): boolean {
  return tags?.[TAG_CLUSTER] === owner.cluster && tags?.[TAG_INSTALLATION] === owner.installation;
}

/** `azure:///subscriptions/…/virtualMachines/<name>`, as the Azure cloud provider writes a Node's spec.providerID. */
export function providerIdOf(vmId: string): string {
  return `azure://${vmId}`;
}

/** The VM name in a VM name, resource ID or provider ID (the controller may hand back any). */
export function vmNameOf(idOrProviderId: string): string {
  const name = idOrProviderId.split('/').pop() ?? '';
  if (!/^berth-[0-9a-f]{20}$/.test(name)) {
    throw new Error(
      `not a berth VM name, resource ID or azure:// provider id: ${JSON.stringify(idOrProviderId)}`,
    );
  }
  return name;
}

/** How berth sees a VM's provisioning state. */
export function vmStateOf(provisioningState: string | undefined): InstanceState {
  switch (provisioningState) {
    case 'Creating':
    case 'Updating':
    case undefined:
      return 'pending';
    case 'Succeeded':
      return 'running';
    case 'Deleting':
      return 'terminating';
    default:
      // Failed and Canceled VMs are on their way out: garbage collection deletes them.
      return 'terminating';
  }
}

/** The Instance a VM stands for; undefined when it carries no claim tag. */
export function instanceFromVm(vm: VirtualMachine): Instance | undefined {
  const claimId = vm.tags?.[TAG_CLAIM_ID];
  if (!vm.name || !vm.id || !claimId) return undefined;
  return {
    id: vm.name,
    claimId,
    nodeName: vm.tags?.[TAG_NODE_NAME] ?? '',
    providerId: providerIdOf(vm.id),
    offeringId: vm.tags?.[TAG_OFFERING_ID] ?? '',
    state: vmStateOf(vm.provisioningState),
    launchedAt: (vm.timeCreated instanceof Date ? vm.timeCreated : new Date()).toISOString(),
  };
}
