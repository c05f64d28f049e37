import { claimLaunches } from '../claim-launches.ts';
import type { ComputeManagementClient, VirtualMachine } from '@azure/arm-compute';
import type { NetworkManagementClient } from '@azure/arm-network';
import type { TokenCredential } from '@azure/identity';
import { QueueClient, type StorageSharedKeyCredential } from '@azure/storage-queue';
import {
  type Arch,
  CapacityError,
  type Claim,
  createNoticeFanout,
  type Instance,
  type InterruptionNotice,
  LABEL_CLOUD,
  LABEL_CLUSTER,
  LABEL_OS,
  LABEL_PROVIDER,
  type NodeProvider,
  type Reach,
} from '../../src/model/index.ts';
import { armCredential, computeClient, networkClient } from './clients.ts';
import { type AzureProviderConfig, validateAzureConfig } from './config.ts';
import { type AksBootstrap, customData } from './custom-data.ts';
import { classifyArmError, isNotFound, ZONE_BOUND } from './errors.ts';
import { type EvictionQueue, startEvictionQueue } from './eviction-queue.ts';
import {
  claimNames,
  claimTags,
  instanceFromVm,
  type Ownership,
  owns,
  TAG_CLAIM_ID,
  TAG_NODE_NAME,
  vmNameOf,
} from './names.ts';
import { nicRequest, vmRequest } from './vm-request.ts';

export const PROVIDER_NAME = 'azure';

export interface AzureProviderOptions {
  /** The berth installation that owns the VMs (its scheduler name). Default `berth`. */
  installation?: string;
  /** Default: @azure/identity's DefaultAzureCredential. */
  credential?: TokenCredential;
  /** For the eviction queue; default the ARM credential (Azure AD). Azurite takes its shared key. */
  queueCredential?: TokenCredential | StorageSharedKeyCredential;
  /** Between long-running-operation polls; default 2 s. */
  pollIntervalMs?: number;
  /** A VM create or delete may take this long before berth gives up on it; default 10 min. */
  operationTimeoutMs?: number;
  /** Between receives of an empty eviction queue; default 5 s. */
  evictionPollMs?: number;
  onWarning?: (message: string, fields?: Record<string, unknown>) => void;
}

export interface AzureProvider extends NodeProvider {
  readonly config: AzureProviderConfig;
  readonly compute: ComputeManagementClient;
  readonly network: NetworkManagementClient;
  onInterruption(handler: (notice: InterruptionNotice) => void): () => void;
  close(): Promise<void>;
}

/** VMs on their way out: a claim found in one of these is launched anew. */
const DEAD_STATES = new Set(['Deleting', 'Failed', 'Canceled']);

/**
 * Azure VMs in the configured region, in the configured zones (regional when
 * none), on-demand and spot, either architecture (the image must match).
 * What a partial configuration (`berth quote` without --azure-* flags) leaves
 * open is not narrowed.
 */
export function azureReach(config: { location: string; zones?: readonly string[] | undefined }): Reach {
  const zones = (config.zones ?? []).map((z) => `${config.location}-${z}`);
  const archs: Arch[] = ['amd64', 'arm64'];
  return {
    cloud: 'azure',
    regions: [config.location],
    ...(zones.length > 0 ? { zones } : {}),
    capacityTypes: ['on-demand', 'spot'],
    serverless: [],
    archs,
    cannotHost: [],
  };
}

/** `eastus-2` -> `2`; the zones to try for an offering: its own, else each configured one, else none (regional). */
export function zonesFor(
  offeringZone: string | undefined,
  configured: readonly string[] | undefined,
): (string | undefined)[] {
  if (offeringZone) return [offeringZone.split('-').pop()];
  return configured && configured.length > 0 ? [...configured] : [undefined];
}

export function createAzureProvider(
  input: AzureProviderConfig,
  options: AzureProviderOptions = {},
): AzureProvider {
  const config = validateAzureConfig(input);
  const owner: Ownership = { cluster: config.clusterName, installation: options.installation ?? 'berth' };
  const armOptions = {
    subscriptionId: config.subscriptionId,
    ...(options.credential ? { credential: options.credential } : {}),
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.endpointCa ? { endpointCa: config.endpointCa } : {}),
  };
  const compute = computeClient(armOptions);
  const network = networkClient(armOptions);
  const rg = config.resourceGroup;
  const pollMs = options.pollIntervalMs ?? 2_000;
  const timeoutMs = options.operationTimeoutMs ?? 10 * 60_000;
  const warn =
    options.onWarning ??
    ((message: string, fields?: Record<string, unknown>) =>
      process.stderr.write(`azure provider: ${message} ${fields ? JSON.stringify(fields) : ''}\n`));
  const bootstrap: AksBootstrap = {
    apiServer: config.clusterEndpoint,
    caCertBase64: config.clusterCertificateAuthority.replace(/\s+/g, ''),
    bootstrapToken: config.bootstrapToken,
    location: config.location,
    resourceGroup: rg,
  };
  const ownershipLabels = {
    [LABEL_PROVIDER]: PROVIDER_NAME,
    [LABEL_CLOUD]: 'azure',
    [LABEL_CLUSTER]: owner.installation,
    [LABEL_OS]: 'linux',
  };
  /** VM name -> node name, from launches and lists: an evicted VM (deleted at once) can still be named. */
  const nodeNames = new Map<string, string>();

  /** A long-running operation's bound: the caller's signal (close included) and the timeout. */
  const bounded = (signal: AbortSignal) => AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]);

  async function vmsOfOurs(signal?: AbortSignal): Promise<VirtualMachine[]> {
    const out: VirtualMachine[] = [];
    try {
      for await (const vm of compute.virtualMachines.list(rg, signal ? { abortSignal: signal } : {})) {
        if (owns(vm.tags, owner)) out.push(vm);
      }
    } catch (err) {
      throw classifyArmError(err, 'Microsoft.Compute/virtualMachines/read');
    }
    for (const vm of out) {
      const node = vm.tags?.[TAG_NODE_NAME];
      if (vm.name && node) nodeNames.set(vm.name, node);
    }
    return out;
  }

  async function findClaim(claimId: string, signal: AbortSignal): Promise<Instance | undefined> {
    const vms = await vmsOfOurs(signal);
    const live = vms.find(
      (vm) => vm.tags?.[TAG_CLAIM_ID] === claimId && !DEAD_STATES.has(vm.provisioningState ?? ''),
    );
    return live ? instanceFromVm(live) : undefined;
  }

  async function removeQuietly(vmName: string): Promise<void> {
    try {
      await terminate(vmName);
    } catch (err) {
      warn('cannot clean up after a failed launch; garbage collection will', {
        vm: vmName,
        err: String(err),
      });
    }
  }

  async function createIn(claim: Claim, zone: string | undefined, signal: AbortSignal): Promise<Instance> {
    const names = claimNames(claim.id, claim.offering.id, zone);
    nodeNames.set(names.vm, claim.nodeName);
    const tags = claimTags(claim, owner);
    let nicId: string;
    try {
      const nic = await network.networkInterfaces.beginCreateOrUpdateAndWait(
        rg,
        names.nic,
        nicRequest(config, tags),
        {
          abortSignal: bounded(signal),
          updateIntervalInMs: pollMs,
        },
      );
      if (!nic.id) throw new Error(`NIC ${names.nic} was created without an id`);
      nicId = nic.id;
    } catch (err) {
      throw classifyArmError(err, 'Microsoft.Network/networkInterfaces/write');
    }
    const data = customData({ ...claim, labels: { ...claim.labels, ...ownershipLabels } }, bootstrap);
    try {
      const vm = await compute.virtualMachines.beginCreateOrUpdateAndWait(
        rg,
        names.vm,
        vmRequest({ claim, config, names, nicId, zone, customData: data, tags }),
        { abortSignal: bounded(signal), updateIntervalInMs: pollMs },
      );
      const instance = instanceFromVm(vm);
      if (!instance) throw new Error(`VM ${names.vm} answered without its id or tags`);
      return { ...instance, state: 'running' };
    } catch (err) {
      const e = classifyArmError(err, 'Microsoft.Compute/virtualMachines/write', claim.offering.id);
      // A VM that failed to allocate may stay as a failed resource; its NIC stays for sure.
      if (e instanceof CapacityError) await removeQuietly(names.vm);
      throw e;
    }
  }

  async function run(claim: Claim, signal: AbortSignal): Promise<Instance> {
    const o = claim.offering;
    if (o.cloud !== 'azure')
      throw new Error(`the Azure provider was asked to launch ${o.id}: wire a provider for ${o.cloud}`);
    if (o.region !== config.location) {
      throw new Error(
        `the Azure provider is configured for ${config.location} but was asked to launch ${o.id}: run one berth per region`,
      );
    }
    if (o.capacityType === 'serverless') {
      throw new CapacityError(o.id, 'unsupported', 'the VM provider launches machines, not serverless pods');
    }
    const existing = await findClaim(claim.id, signal);
    if (existing) return existing;
    let last: CapacityError | undefined;
    for (const zone of zonesFor(o.zone, config.zones)) {
      signal.throwIfAborted();
      try {
        return await createIn(claim, zone, signal);
      } catch (err) {
        // A regional offering may find room in the next zone; quotas are regional.
        if (o.zone === undefined && err instanceof CapacityError && ZONE_BOUND.has(err.reason)) {
          last = err;
          continue;
        }
        throw err;
      }
    }
    throw last ?? new CapacityError(o.id, 'unsupported', 'no zone to launch in');
  }

  // A repeat joins the launch in flight; close aborts them all (a retry after close could create a second VM).
  const launches = claimLaunches(run, 'the Azure provider was closed');

  /** Deletes one resource; gone is fine. */
  async function gone(action: string, del: () => Promise<void>): Promise<void> {
    try {
      await del();
    } catch (err) {
      if (isNotFound(err)) return;
      throw classifyArmError(err, action);
    }
  }

  async function terminate(instanceId: string): Promise<void> {
    const vm = vmNameOf(instanceId);
    // Not bound to close: a teardown in progress should finish.
    const opts = () => ({ abortSignal: AbortSignal.timeout(timeoutMs), updateIntervalInMs: pollMs });
    // The VM first: its NIC can't be deleted while attached, its disk while in use.
    await gone('Microsoft.Compute/virtualMachines/delete', () =>
      compute.virtualMachines.beginDeleteAndWait(rg, vm, opts()),
    );
    await gone('Microsoft.Network/networkInterfaces/delete', () =>
      network.networkInterfaces.beginDeleteAndWait(rg, `${vm}-nic`, opts()),
    );
    await gone('Microsoft.Compute/disks/delete', () =>
      compute.disks.beginDeleteAndWait(rg, `${vm}-osdisk`, opts()),
    );
  }

  async function list(): Promise<Instance[]> {
    return (await vmsOfOurs()).map(instanceFromVm).filter((i): i is Instance => i !== undefined);
  }

  async function nodeNameOf(vmName: string): Promise<string | undefined> {
    const known = nodeNames.get(vmName);
    if (known) return known;
    try {
      const vm = await compute.virtualMachines.get(rg, vmName);
      return owns(vm.tags, owner) ? vm.tags?.[TAG_NODE_NAME] : undefined;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw classifyArmError(err, 'Microsoft.Compute/virtualMachines/read');
    }
  }

  const notices = createNoticeFanout(warn);
  let queue: EvictionQueue | undefined;

  return {
    cloud: 'azure',
    reach: azureReach(config),
    config,
    compute,
    network,
    launch: launches.launch,
    terminate,
    list,
    onInterruption(handler) {
      const unsubscribe = notices.add(handler);
      if (config.evictionQueueUrl && !queue) {
        const credential = options.queueCredential ?? armCredential(armOptions);
        queue = startEvictionQueue({
          queue: new QueueClient(config.evictionQueueUrl, credential),
          intervalMs: options.evictionPollMs ?? 5_000,
          nodeNameOf,
          deliver: notices.deliver,
          warn,
        });
      }
      return unsubscribe;
    },
    async close() {
      await launches.close();
      const q = queue;
      queue = undefined;
      await q?.stop();
    },
  };
}
