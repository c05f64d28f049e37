import type { protos } from '@google-cloud/compute';
import { claimLaunches } from '../claim-launches.ts';
import { launchBatches, launchSpecKey } from '../launch-batches.ts';
import {
  type BackoffPolicy,
  CapacityError,
  type Claim,
  ClaimConflictError,
  createNoticeFanout,
  type Instance,
  type InterruptionNotice,
  type NodeProvider,
  type Reach,
  withRetries,
} from '../../src/model/index.ts';
import { bulkLauncher } from './bulk-launch.ts';
import { type ComputeClients, computeClients } from './clients.ts';
import { type GcpProviderConfig, validateGcpConfig } from './config.ts';
import {
  classifyGoogleError,
  isRateLimited,
  NOT_FOUND,
  googleCode,
  operationError,
  zoneBound,
} from './errors.ts';
import { instanceFor, zonesFor } from './instance-properties.ts';
import {
  type GceInstance,
  instanceFromGce,
  LABEL_CLAIM,
  type Ownership,
  ownershipFilter,
  providerIdOf,
  requestIdFor,
  vmRefOf,
} from './labels.ts';
import { listVms } from './list-vms.ts';
import { startPreemptionWatch } from './preemption.ts';

export { instanceFor, PROVIDER_NAME, sharedInstanceProperties, zonesFor } from './instance-properties.ts';

type IOperation = protos.google.cloud.compute.v1.IOperation;
type IInstanceProperties = protos.google.cloud.compute.v1.IInstanceProperties;

export interface GcpProviderOptions {
  /** The berth installation that owns the VMs (its scheduler name). Default `berth`. */
  installation?: string;
  /** Retries of rate-limited calls. */
  retry?: Partial<BackoffPolicy>;
  onWarning?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Launches of one launch specification within `windowMs` go out as one
   * zonal bulkInsert of at most `maxSize` VMs (default 100 ms, 50); false
   * inserts each VM on its own.
   */
  batching?: { windowMs?: number; maxSize?: number } | false;
}

export interface GcpProvider extends NodeProvider {
  readonly config: GcpProviderConfig;
  readonly clients: ComputeClients;
  onInterruption(handler: (notice: InterruptionNotice) => void): () => void;
  close(): Promise<void>;
}

const DEFAULT_RETRY: BackoffPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 };

/** Compute Engine VMs in the configured region and zones, both architectures; no serverless. */
export function gcpReach(config: Pick<GcpProviderConfig, 'region'> & { zones?: readonly string[] }): Reach {
  return {
    cloud: 'gcp',
    regions: [config.region],
    ...(config.zones && config.zones.length > 0 ? { zones: [...config.zones] } : {}),
    capacityTypes: ['on-demand', 'spot'],
    serverless: [],
    archs: ['amd64', 'arm64'],
    cannotHost: [],
  };
}

/**
 * Launches claims as Compute Engine VMs that join a GKE cluster. Every call
 * is keyed by the claim: a launch first looks for a live VM labelled with the
 * claim (so a repeat, a restart or a second replica returns the same VM),
 * then inserts with the claim's node name as the VM name and a requestId
 * derived from the claim and zone.
 */
export function createGcpProvider(input: GcpProviderConfig, options: GcpProviderOptions = {}): GcpProvider {
  const config = validateGcpConfig(input);
  const owner: Ownership = { cluster: config.clusterName, installation: options.installation ?? 'berth' };
  const clients = computeClients(config);
  const { project } = config;
  const retry: BackoffPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const warn =
    options.onWarning ??
    ((message: string, fields?: Record<string, unknown>) =>
      process.stderr.write(`gcp provider: ${message} ${fields ? JSON.stringify(fields) : ''}\n`));
  /** VM names of ours seen alive: a preemption of one of them is ours to report. */
  const known = new Set<string>();
  let template: IInstanceProperties | undefined;

  /** A call retried on rate limits; any other failure classified (access errors name the permission). */
  async function call<T>(permission: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await withRetries(fn, {
        policy: retry,
        mayRetry: isRateLimited,
        signal: signal ? AbortSignal.any([signal, launches.closing]) : launches.closing,
        onRetry: (err, attempt, waitMs) =>
          warn('rate limited; retrying', { permission, attempt, waitMs, err: String(err) }),
      });
    } catch (err) {
      throw classifyGoogleError(err, permission);
    }
  }

  async function listOurs(claimId?: string, signal?: AbortSignal): Promise<GceInstance[]> {
    return call(
      'compute.instances.list',
      () => listVms(clients, project, ownershipFilter(owner, claimId)),
      signal,
    );
  }

  async function nodePoolTemplate(signal: AbortSignal): Promise<IInstanceProperties> {
    if (template) return template;
    const [t] = await call(
      'compute.instanceTemplates.get',
      () => clients.templates.get({ project, instanceTemplate: config.nodePoolTemplate }),
      signal,
    );
    if (!t.properties) throw new Error(`instance template ${config.nodePoolTemplate} has no properties`);
    template = t.properties;
    return template;
  }

  /** Waits for a zone operation, a bounded time; the operation's own errors are returned, not thrown. */
  async function waitFor(zone: string, op: IOperation, signal: AbortSignal): Promise<IOperation> {
    const deadline = Date.now() + (config.operationTimeoutMs ?? 120_000);
    let current = op;
    while (current.status !== 'DONE') {
      signal.throwIfAborted();
      if (Date.now() > deadline)
        throw new Error(
          `operation ${current.name} in ${zone} not done after ${config.operationTimeoutMs ?? 120_000} ms`,
        );
      const name = current.name ?? '';
      [current] = await call(
        'compute.zoneOperations.get',
        () => clients.operations.wait({ project, zone, operation: name }),
        signal,
      );
    }
    return current;
  }

  async function existingFor(claim: Claim, signal: AbortSignal): Promise<Instance | undefined> {
    const found = (await listOurs(claim.id, signal))
      .filter((vm) => vm.status !== 'STOPPING' && vm.status !== 'TERMINATED')
      .map((vm) => instanceFromGce(project, vm))
      .find((i) => i !== undefined);
    if (found) known.add(found.nodeName);
    return found;
  }

  /** Claims this provider cannot launch at all, refused before any call. */
  function check(claim: Claim): void {
    const o = claim.offering;
    if (o.cloud !== 'gcp')
      throw new Error(`the GCP provider was asked to launch ${o.id}: wire a provider for ${o.cloud}`);
    if (o.region !== config.region)
      throw new Error(
        `the GCP provider is configured for ${config.region} but was asked to launch ${o.id}: run one berth per region`,
      );
    if (o.capacityType === 'serverless')
      throw new CapacityError(
        o.id,
        'unsupported',
        'the Compute Engine provider launches VMs, not serverless pods',
      );
  }

  /** One claim, one instances.insert. */
  async function insertOne(claim: Claim, signal: AbortSignal): Promise<Instance> {
    const o = claim.offering;
    const existing = await existingFor(claim, signal);
    if (existing) return existing;
    const props = await nodePoolTemplate(signal);
    let lastCapacityError: CapacityError | undefined;
    for (const zone of zonesFor(claim, config.zones)) {
      signal.throwIfAborted();
      const body = instanceFor(claim, zone, props, config, owner);
      let op: IOperation;
      try {
        const [lro] = await call(
          'compute.instances.create',
          () =>
            clients.instances.insert({
              project,
              zone,
              requestId: requestIdFor(claim.id, zone),
              instanceResource: body,
            }),
          signal,
        );
        op = lro.latestResponse as IOperation;
      } catch (err) {
        if (googleCode(err) === 6 /* ALREADY_EXISTS */) {
          const again = await existingFor(claim, signal);
          if (again) return again;
          throw new ClaimConflictError(claim.id, claim.nodeName, undefined);
        }
        throw err;
      }
      const finished = await waitFor(zone, op, signal);
      const errors = finished.error?.errors ?? [];
      if (errors.length === 0) {
        known.add(claim.nodeName);
        return {
          id: `${zone}/${claim.nodeName}`,
          claimId: claim.id,
          nodeName: claim.nodeName,
          providerId: providerIdOf(project, zone, claim.nodeName),
          offeringId: o.id,
          state: 'pending',
          launchedAt: new Date().toISOString(),
        };
      }
      const e = operationError(o.id, errors);
      if (o.zone === undefined && zoneBound(e)) {
        lastCapacityError = e as CapacityError;
        continue;
      }
      throw e;
    }
    throw (
      lastCapacityError ??
      new CapacityError(o.id, 'unsupported', `no configured zone for ${o.zone ?? o.region}`)
    );
  }

  const batching = options.batching === false ? undefined : (options.batching ?? {});
  const batches =
    batching && batching.windowMs !== 0
      ? launchBatches({
          keyOf: launchSpecKey,
          launchMany: bulkLauncher({
            project,
            config,
            owner,
            clients,
            call,
            waitFor,
            template: nodePoolTemplate,
            launched: (name) => known.add(name),
          }),
          ...(batching.windowMs !== undefined ? { windowMs: batching.windowMs } : {}),
          ...(batching.maxSize !== undefined ? { maxSize: batching.maxSize } : {}),
          get closing() {
            return launches.closing;
          },
        })
      : undefined;

  async function run(claim: Claim, signal: AbortSignal): Promise<Instance> {
    check(claim);
    return batches ? batches.launch(claim, signal) : insertOne(claim, signal);
  }

  // A repeat joins the launch in flight; close aborts them all (a retry after close could buy a second machine).
  const launches = claimLaunches(run, 'the GCP provider was closed');

  async function terminate(instanceId: string): Promise<void> {
    const { zone, name } = vmRefOf(instanceId);
    try {
      await call('compute.instances.delete', () =>
        clients.instances.delete({
          project,
          zone,
          instance: name,
          requestId: requestIdFor(`delete/${name}`, zone),
        }),
      );
    } catch (err) {
      if (
        googleCode((err as { cause?: unknown }).cause ?? err) === NOT_FOUND ||
        googleCode(err) === NOT_FOUND
      )
        return;
      throw err;
    }
  }

  async function list(): Promise<Instance[]> {
    const out = (await listOurs())
      .map((vm) => instanceFromGce(project, vm))
      .filter((i): i is Instance => i !== undefined);
    for (const i of out) known.add(i.nodeName);
    return out;
  }

  const notices = createNoticeFanout(warn);
  let watch: { stop(): Promise<void> } | undefined;

  return {
    cloud: 'gcp',
    reach: gcpReach(config),
    config,
    clients,
    launch: launches.launch,
    terminate,
    list,
    // The VMs join outside GKE's node pools: nobody else approves their kubelets' certificates.
    approvesKubeletCsrs: true,
    onInterruption(handler) {
      const unsubscribe = notices.add(handler);
      watch ??= startPreemptionWatch({
        zones: config.zones,
        intervalMs: config.preemptionPollMs ?? 5_000,
        listPreempted: (zone, filter) =>
          call('compute.zoneOperations.list', async () => {
            const [ops] = await clients.operations.list({ project, zone, filter, maxResults: 500 });
            return ops;
          }),
        isOurs: (name) => known.has(name),
        deliver: notices.deliver,
        warn,
      });
      return unsubscribe;
    },
    async close() {
      await launches.close();
      await watch?.stop();
      await clients.close();
    },
  };
}

export { LABEL_CLAIM };
