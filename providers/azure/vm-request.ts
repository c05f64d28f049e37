import type { VirtualMachine } from '@azure/arm-compute';
import type { NetworkInterface } from '@azure/arm-network';
import type { Claim } from '../../src/model/index.ts';
import type { AzureProviderConfig } from './config.ts';
import type { ClaimNames } from './names.ts';

/** A root disk of this size when the claim carries none. */
export const DEFAULT_OS_DISK_GIB = 30;

export function nicRequest(config: AzureProviderConfig, tags: Record<string, string>): NetworkInterface {
  return {
    location: config.location,
    tags,
    ipConfigurations: [
      {
        name: 'ipconfig1',
        primary: true,
        subnet: { id: config.subnetId },
        privateIPAllocationMethod: 'Dynamic',
      },
    ],
  };
}

function imageReference(image: string): NonNullable<VirtualMachine['storageProfile']>['imageReference'] {
  if (image.startsWith('/subscriptions/')) return { id: image };
  const [publisher, offer, sku, version] = image.split(':');
  return { publisher, offer, sku, version };
}

/**
 * The VM for a claim: its size, zone, image and custom data; spot with
 * evictionPolicy Delete and no price cap (maxPrice -1: evicted for capacity,
 * never for price) when the offering is spot; NIC and OS disk deleted with
 * it; tagged like every resource berth creates.
 */
export function vmRequest(o: {
  claim: Claim;
  config: AzureProviderConfig;
  names: ClaimNames;
  nicId: string;
  zone: string | undefined;
  customData: string;
  tags: Record<string, string>;
}): VirtualMachine {
  const { claim, config, names } = o;
  const admin = config.adminUsername ?? 'azureuser';
  const spot = claim.offering.capacityType === 'spot';
  return {
    location: config.location,
    ...(o.zone ? { zones: [o.zone] } : {}),
    tags: o.tags,
    ...(config.identityId
      ? { identity: { type: 'UserAssigned', userAssignedIdentities: { [config.identityId]: {} } } }
      : {}),
    hardwareProfile: { vmSize: claim.offering.instanceType },
    storageProfile: {
      imageReference: imageReference(config.image),
      osDisk: {
        name: names.osDisk,
        createOption: 'FromImage',
        deleteOption: 'Delete',
        diskSizeGB: claim.node?.rootVolumeGiB ?? DEFAULT_OS_DISK_GIB,
        managedDisk: { storageAccountType: 'StandardSSD_LRS' },
      },
    },
    osProfile: {
      computerName: names.vm,
      adminUsername: admin,
      customData: o.customData,
      linuxConfiguration: {
        disablePasswordAuthentication: true,
        ssh: { publicKeys: [{ path: `/home/${admin}/.ssh/authorized_keys`, keyData: config.sshPublicKey }] },
      },
    },
    networkProfile: { networkInterfaces: [{ id: o.nicId, primary: true, deleteOption: 'Delete' }] },
    ...(spot ? { priority: 'Spot', evictionPolicy: 'Delete', billingProfile: { maxPrice: -1 } } : {}),
  };
}
