import type { TokenCredential } from '@azure/identity';
import { QueueClient, type StorageSharedKeyCredential } from '@azure/storage-queue';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Offering } from '../../src/model/index.ts';
import { type ArmServer, type ArmSku, startArmServer } from './arm-server.ts';
import { type AzuriteQueue, startAzuriteQueue } from './azurite.ts';
import type { AzureProviderConfig } from './config.ts';
import { type Registrar, startRegistrar } from '../sandbox/registrar.ts';
import { armMachines } from './registrar.ts';

/**
 * An Azure subscription on this machine, ready for berth: the ARM stand-in
 * with the given VM sizes, Azurite's queue for evictions, and the registrar
 * standing in for each VM's kubelet. For the tests and the demo; never point
 * it at Azure itself.
 */
export interface AzureSimulation {
  config: AzureProviderConfig;
  /** A token the stand-in accepts (it checks only that one is sent). */
  credential: TokenCredential;
  queueCredential: StorageSharedKeyCredential;
  arm: ArmServer;
  queue: QueueClient;
  registrar: Registrar;
  /** Azure takes a spot VM back and Event Grid tells the queue, as the Activity Log would. */
  evict(vmName: string): Promise<void>;
  stop(): Promise<void>;
}

/** Stand-in SKUs for the sizes some offerings name, in every zone (for the demo, priced from the embedded catalog). */
export function armSkusOf(offerings: readonly Offering[]): ArmSku[] {
  const sizes = new Map<string, ArmSku>();
  for (const o of offerings) {
    if (sizes.has(o.instanceType)) continue;
    sizes.set(o.instanceType, {
      name: o.instanceType,
      vcpus: o.cpu / 1000,
      memoryGB: o.memoryMiB / 1024,
      ...(o.gpu ? { gpus: Math.ceil(o.gpu.count) } : {}),
      arch: o.arch === 'arm64' ? 'Arm64' : 'x64',
      zones: ['1', '2', '3'],
    });
  }
  return [...sizes.values()];
}

export const SIMULATION_TOKEN: TokenCredential = {
  getToken: async () => ({ token: 'berth-local-standin', expiresOnTimestamp: Date.now() + 3_600_000 }),
};

export async function startAzureSimulation(o: {
  kubeConfig: KubeConfig;
  cluster: string;
  location: string;
  skus: readonly ArmSku[];
  zones?: string[];
  clusterEndpoint: string;
  clusterCa: string;
  registrarIntervalMs?: number;
  createMs?: number;
  onError?: (err: unknown) => void;
}): Promise<AzureSimulation> {
  const arm = await startArmServer({
    location: o.location,
    skus: o.skus,
    ...(o.createMs !== undefined ? { createMs: o.createMs } : {}),
  });
  let azurite: AzuriteQueue | undefined;
  try {
    azurite = await startAzuriteQueue();
    const queueUrl = `${azurite.accountUrl}/berth-evictions`;
    const queue = new QueueClient(queueUrl, azurite.credential);
    await queue.createIfNotExists();
    const registrar = startRegistrar({
      kubeConfig: o.kubeConfig,
      machines: armMachines({ arm, skus: o.skus, cluster: o.cluster, location: o.location }),
      ...(o.registrarIntervalMs !== undefined ? { intervalMs: o.registrarIntervalMs } : {}),
      ...(o.onError ? { onError: o.onError } : {}),
    });
    const sub = arm.subscriptionId;
    const rg = `MC_berth_${o.cluster}_${o.location}`;
    const az = azurite;
    return {
      config: {
        subscriptionId: sub,
        resourceGroup: rg,
        location: o.location,
        clusterName: o.cluster,
        subnetId: `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/aks-vnet/subnets/aks-subnet`,
        image: `/subscriptions/${sub}/resourceGroups/AKS-Ubuntu/providers/Microsoft.Compute/galleries/AKSUbuntu/images/2204gen2containerd/versions/202611.01.0`,
        ...(o.zones ? { zones: o.zones } : {}),
        clusterEndpoint: o.clusterEndpoint,
        clusterCertificateAuthority: o.clusterCa,
        bootstrapToken: 'abcdef.0123456789abcdef',
        sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBerthLocalStandInKeyNotForUse0000000000000',
        evictionQueueUrl: queueUrl,
        endpoint: arm.endpoint,
        endpointCa: arm.ca,
      },
      credential: SIMULATION_TOKEN,
      queueCredential: azurite.credential,
      arm,
      queue,
      registrar,
      async evict(vmName) {
        const resourceId = arm.evict(vmName);
        await queue.sendMessage(
          JSON.stringify({
            id: crypto.randomUUID(),
            topic: `/subscriptions/${sub}/resourceGroups/${rg}`,
            subject: resourceId,
            eventType: 'Microsoft.Resources.ResourceActionSuccess',
            eventTime: new Date().toISOString(),
            data: {
              operationName: 'Microsoft.Compute/virtualMachines/evictSpotVM/action',
              resourceUri: resourceId,
              resourceProvider: 'Microsoft.Compute',
              status: 'Succeeded',
              subscriptionId: sub,
            },
            dataVersion: '2',
            metadataVersion: '1',
          }),
        );
      },
      async stop() {
        await registrar.stop();
        await az.stop();
        await arm.close();
      },
    };
  } catch (err) {
    await azurite?.stop();
    await arm.close();
    throw err;
  }
}
