import type { Instance as Ec2Instance, Tag } from '@aws-sdk/client-ec2';
import type { Claim, Instance, InstanceState } from '../../src/model/index.ts';

/**
 * The tags on every machine berth launches. They are how the provider finds
 * its machines again (after a restart, for garbage collection, for an
 * interruption), and what the IAM policy conditions launches and
 * terminations on, so they are set at launch in the same call, never after.
 */
export const TAG_CLUSTER = 'berth.dev/cluster';
/** The berth installation (its scheduler name): two installations in one cluster never touch each other's machines. */
export const TAG_INSTALLATION = 'berth.dev/installation';
export const TAG_CLAIM_ID = 'berth.dev/claim-id';
/** The Node name berth expects; EKS itself names nodes by private DNS, so this records the mapping. */
export const TAG_NODE_NAME = 'berth.dev/node-name';
export const TAG_POD = 'berth.dev/pod';
export const TAG_POD_UID = 'berth.dev/pod-uid';
export const TAG_OFFERING_ID = 'berth.dev/offering-id';
export const TAG_NAME = 'Name';
/**
 * The batched launch (CreateFleet) a machine came from. A machine with it but
 * no claim tag was launched and not yet tagged for its claim: a crash there
 * leaves it unclaimed, and garbage collection removes it after its grace.
 */
export const TAG_BATCH = 'berth.dev/batch';

/** EC2 refuses tag values longer than this. */
const MAX_TAG_VALUE = 256;

export interface Ownership {
  cluster: string;
  installation: string;
}

function asTags(tags: Record<string, string>): Tag[] {
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value: Value.slice(0, MAX_TAG_VALUE) }));
}

/** The tags that say a resource is this installation's: on everything berth creates, from its first moment. */
export function ownershipTags(owner: Ownership): Tag[] {
  return asTags({ [TAG_CLUSTER]: owner.cluster, [TAG_INSTALLATION]: owner.installation });
}

/** The claim's own tags, without the ownership ones: what a batch machine is given after its launch. */
export function claimOnlyTags(claim: Claim): Tag[] {
  return asTags({
    [TAG_CLAIM_ID]: claim.id,
    [TAG_NODE_NAME]: claim.nodeName,
    [TAG_POD]: `${claim.pod.namespace}/${claim.pod.name}`,
    [TAG_POD_UID]: claim.pod.uid,
    [TAG_OFFERING_ID]: claim.offering.id,
    [TAG_NAME]: claim.nodeName,
  });
}

export function claimTags(claim: Claim, owner: Ownership): Tag[] {
  return [...ownershipTags(owner), ...claimOnlyTags(claim)];
}

/** DescribeInstances filters that match only this installation's machines. */
export function ownershipFilters(owner: Ownership): { Name: string; Values: string[] }[] {
  return [
    { Name: `tag:${TAG_CLUSTER}`, Values: [owner.cluster] },
    { Name: `tag:${TAG_INSTALLATION}`, Values: [owner.installation] },
  ];
}

export function tagMap(tags: readonly Tag[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** `aws:///<zone>/<instance id>`, as the AWS cloud provider writes a Node's spec.providerID. */
export function providerIdOf(zone: string, instanceId: string): string {
  return `aws:///${zone}/${instanceId}`;
}

const INSTANCE_ID = /^i-[0-9a-f]{8,32}$/;

/**
 * The EC2 instance id in an instance id or a provider id (the controller may
 * hand back either, e.g. a Node's spec.providerID after a restart).
 */
export function ec2InstanceIdOf(idOrProviderId: string): string {
  const id = idOrProviderId.startsWith('aws://') ? (idOrProviderId.split('/').pop() ?? '') : idOrProviderId;
  if (!INSTANCE_ID.test(id)) {
    throw new Error(
      `not an EC2 instance id or aws:/// provider id: ${JSON.stringify(idOrProviderId)} (expected i-… or aws:///<zone>/i-…)`,
    );
  }
  return id;
}

/** How berth sees an EC2 instance state: stopping or stopped machines are on their way out. */
export function instanceStateOf(name: string | undefined): InstanceState {
  switch (name) {
    case 'pending':
      return 'pending';
    case 'running':
      return 'running';
    case 'terminated':
      return 'terminated';
    default:
      return 'terminating';
  }
}

/**
 * The Instance an EC2 instance stands for, or undefined when it carries no
 * claim tag (not launched by berth). A batch machine not yet tagged for its
 * claim is reported with an empty claim id and node name, so garbage
 * collection sees it (and removes it once older than its grace).
 */
export function instanceFromEc2(i: Ec2Instance): Instance | undefined {
  const tags = tagMap(i.Tags);
  const claimId = tags[TAG_CLAIM_ID] ?? (tags[TAG_BATCH] !== undefined ? '' : undefined);
  if (!i.InstanceId || claimId === undefined) return undefined;
  const zone = i.Placement?.AvailabilityZone ?? '';
  const launched = i.LaunchTime;
  return {
    id: i.InstanceId,
    claimId,
    nodeName: tags[TAG_NODE_NAME] ?? '',
    providerId: providerIdOf(zone, i.InstanceId),
    offeringId: tags[TAG_OFFERING_ID] ?? '',
    state: instanceStateOf(i.State?.Name),
    launchedAt: launched instanceof Date ? launched.toISOString() : new Date().toISOString(),
  };
}
