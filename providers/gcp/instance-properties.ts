import type { protos } from '@google-cloud/compute';
import {
  type Claim,
  LABEL_CLOUD,
  LABEL_OS,
  LABEL_PROVIDER,
  LABEL_ZONE,
  TAINT_DEDICATED,
} from '../../src/model/index.ts';
import { holdBootUntil, type MetadataItem, patchBootstrap } from './bootstrap.ts';
import type { GcpProviderConfig } from './config.ts';
import {
  claimLabels,
  METADATA_AWAITS_CLAIM,
  METADATA_CLAIM,
  METADATA_OFFERING_ID,
  type Ownership,
  ownerLabels,
} from './labels.ts';

/**
 * What a Compute Engine VM berth launches is made of: the node pool
 * template's machine with the offering's machine type and scheduling, and the
 * claim's registration in its bootstrap metadata; for a bulkInsert, the part
 * the claims of one launch specification share.
 */

export const PROVIDER_NAME = 'gcp';

type IInstance = protos.google.cloud.compute.v1.IInstance;
type IInstanceProperties = protos.google.cloud.compute.v1.IInstanceProperties;

/** The zones a claim may launch in: its offering's zone, or each configured zone in turn. */
export function zonesFor(claim: Claim, zones: readonly string[]): string[] {
  const z = claim.offering.zone;
  return z === undefined ? [...zones] : zones.includes(z) ? [z] : [];
}

/** The Node labels every VM of this offering in this zone registers, whatever its claim. */
function sharedNodeLabels(zone: string): Record<string, string> {
  return { [LABEL_ZONE]: zone, [LABEL_PROVIDER]: PROVIDER_NAME, [LABEL_CLOUD]: 'gcp', [LABEL_OS]: 'linux' };
}

/**
 * The claim's registration in the node pool's bootstrap metadata: its labels,
 * its dedicated taint and maxPods patched into kube-env and kube-labels, the
 * offering, and the claim it is for.
 */
export function claimMetadata(claim: Claim, zone: string, template: IInstanceProperties): MetadataItem[] {
  return patchBootstrap(
    template.metadata?.items ?? [],
    {
      labels: { ...claim.labels, ...sharedNodeLabels(zone) },
      taints: claim.taints,
      ...(claim.node ? { maxPods: claim.node.maxPods } : {}),
    },
    { [METADATA_OFFERING_ID]: claim.offering.id, [METADATA_CLAIM]: claim.id },
  );
}

/**
 * What every VM launched for this claim's launch specification shares: the
 * node pool template's machine (image, disks, network, service account), the
 * offering's machine type, spot or standard scheduling, the root disk's size.
 * `zonal` names the machine and disk types by their zonal paths, as
 * instances.insert takes them; bulkInsert's instance properties take names.
 */
function vmProperties(
  claim: Claim,
  zone: string,
  template: IInstanceProperties,
  config: Pick<GcpProviderConfig, 'subnetwork'>,
  zonal: boolean,
): IInstanceProperties {
  const o = claim.offering;
  const spot = o.capacityType === 'spot';
  const disks = (template.disks ?? []).map((d) => {
    const init = d.initializeParams ?? {};
    const typeName = init.diskType?.split('/').pop();
    const diskType = typeName ? (zonal ? `zones/${zone}/diskTypes/${typeName}` : typeName) : undefined;
    return {
      ...d,
      initializeParams: {
        ...init,
        ...(diskType ? { diskType } : {}),
        ...(d.boot && claim.node ? { diskSizeGb: String(claim.node.rootVolumeGiB) } : {}),
      },
    };
  });
  const networkInterfaces = (template.networkInterfaces ?? []).map((n, i) =>
    i === 0 && config.subnetwork ? { ...n, subnetwork: config.subnetwork } : n,
  );
  return {
    machineType: zonal ? `zones/${zone}/machineTypes/${o.instanceType}` : o.instanceType,
    disks,
    networkInterfaces,
    ...(template.serviceAccounts ? { serviceAccounts: template.serviceAccounts } : {}),
    ...(template.tags ? { tags: template.tags } : {}),
    ...(template.shieldedInstanceConfig ? { shieldedInstanceConfig: template.shieldedInstanceConfig } : {}),
    scheduling: spot
      ? {
          provisioningModel: 'SPOT',
          instanceTerminationAction: 'DELETE',
          automaticRestart: false,
          onHostMaintenance: 'TERMINATE',
        }
      : {
          provisioningModel: 'STANDARD',
          automaticRestart: true,
          onHostMaintenance: o.gpu ? 'TERMINATE' : 'MIGRATE',
        },
  };
}

/**
 * The VM for a claim in a zone: the launch specification's properties,
 * berth's labels, and the claim's labels and taint patched into the
 * kubelet's registration.
 */
export function instanceFor(
  claim: Claim,
  zone: string,
  template: IInstanceProperties,
  config: Pick<GcpProviderConfig, 'subnetwork'>,
  owner: Ownership,
): IInstance {
  return {
    name: claim.nodeName,
    ...vmProperties(claim, zone, template, config, true),
    labels: { ...(template.labels ?? {}), ...claimLabels(claim, owner) },
    metadata: { items: claimMetadata(claim, zone, template) },
  };
}

/**
 * The instance properties a bulkInsert shares among the claims of one launch
 * specification: no claim's identity, only the installation's labels, and a
 * registration a node could not be shared through: a dedicated taint no pod
 * tolerates, `berth-awaits-claim`, and a first boot command that holds the
 * boot until the per-claim write (`berth-claim`) is there.
 */
export function sharedInstanceProperties(
  claim: Claim,
  zone: string,
  template: IInstanceProperties,
  config: Pick<GcpProviderConfig, 'subnetwork'>,
  owner: Ownership,
): IInstanceProperties {
  const registration = patchBootstrap(
    template.metadata?.items ?? [],
    {
      labels: sharedNodeLabels(zone),
      taints: [{ key: TAINT_DEDICATED, value: 'awaiting-claim', effect: 'NoSchedule' }],
      ...(claim.node ? { maxPods: claim.node.maxPods } : {}),
    },
    { [METADATA_OFFERING_ID]: claim.offering.id, [METADATA_AWAITS_CLAIM]: 'true' },
  );
  const items = holdBootUntil(registration, METADATA_CLAIM);
  return {
    ...vmProperties(claim, zone, template, config, false),
    labels: { ...(template.labels ?? {}), ...ownerLabels(owner) },
    metadata: { items },
  };
}
