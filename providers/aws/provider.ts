import { claimLaunches } from '../claim-launches.ts';
import { launchBatches } from '../launch-batches.ts';
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  type EC2Client,
  type EC2ClientConfig,
  type Instance as Ec2Instance,
  paginateDescribeInstances,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import {
  type Arch,
  type AwsProviderConfig,
  awsErrorCode,
  CapacityError,
  classifyAwsError,
  classifyEc2Error,
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
import type { AwsRetryPolicy } from '../../src/model/aws-retry.ts';
import { ec2Client, ec2LaunchClient, eksClient, sqsClient } from './clients.ts';
import { ensureFargateProfile } from './fargate-profile.ts';
import { fleetLauncher, MAX_FILTER_VALUES } from './fleet-launch.ts';
import { validateAwsConfig } from './config.ts';
import { startInterruptionQueue, type InterruptionQueue } from './interruption-queue.ts';
import { runInstancesInput, subnetsFor } from './launch-request.ts';
import {
  instanceFromEc2,
  ec2InstanceIdOf,
  type Ownership,
  ownershipFilters,
  providerIdOf,
  TAG_CLAIM_ID,
} from './tags.ts';
import { type ClusterBootstrap, userData } from './user-data.ts';

export const PROVIDER_NAME = 'aws';

export interface AwsProviderOptions {
  /** The berth installation that owns the machines (its scheduler name). Default `berth`. */
  installation?: string;
  /** Default: the SDK's chain. */
  credentials?: EC2ClientConfig['credentials'];
  /** Retries of throttled and transient calls (RunInstances: throttled only). */
  retry?: Partial<AwsRetryPolicy>;
  /** Long-poll wait on the interruption queue, seconds (SQS allows up to 20). Default 20. */
  interruptionWaitSeconds?: number;
  /** Where background trouble is reported (a bad queue message, a failed poll). Default: stderr. */
  onWarning?: (message: string, fields?: Record<string, unknown>) => void;
  /**
   * Launches of one launch specification within `windowMs` go out as one
   * CreateFleet (at most `maxSize` machines). Default on (100 ms, 50) when
   * the config names AMIs; `false`, or a configured launch template (whose
   * user data a fleet cannot override per claim), keeps one RunInstances per claim.
   */
  batching?: { windowMs?: number; maxSize?: number } | false;
}

export interface AwsProvider extends NodeProvider {
  readonly config: AwsProviderConfig;
  readonly ec2: EC2Client;
  onInterruption(handler: (notice: InterruptionNotice) => void): () => void;
  /** With Fargate configured: makes sure the installation's Fargate profile exists. */
  /** Ensures the installation's Fargate profile when Fargate is configured. */
  prepare(): Promise<void>;
  /** Stops polling the interruption queue. */
  close(): Promise<void>;
}

/** Machines that exist or may come back: a claim found in one of these states is not launched again. */
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped'];
/** What `list` reports: everything not yet gone, so garbage collection can finish what is shutting down. */
const LISTED_STATES = [...LIVE_STATES, 'shutting-down'];

/** The Instance a RunInstances answer stands for; built from the claim, since the answer's tags may lag. */
function launched(claim: Claim, i: Ec2Instance, zone: string): Instance {
  const id = i.InstanceId;
  if (!id) throw new Error(`RunInstances for claim ${claim.id} answered without an instance id`);
  const az = i.Placement?.AvailabilityZone ?? zone;
  return {
    id,
    claimId: claim.id,
    nodeName: claim.nodeName,
    providerId: providerIdOf(az, id),
    offeringId: claim.offering.id,
    state: i.State?.Name === 'running' ? 'running' : 'pending',
    launchedAt: (i.LaunchTime instanceof Date ? i.LaunchTime : new Date()).toISOString(),
  };
}

/**
 * Launches claims as EC2 instances that join an EKS cluster. Every call is
 * keyed by the claim: a launch first looks for a live instance tagged with
 * the claim id (so a repeat, even after a restart or once the client token
 * has expired, returns the same machine) and only then calls RunInstances
 * with a client token derived from the claim.
 */
/**
 * EC2 machines in the configured region, in the zones it has a subnet in, of
 * the architectures it has an image for (a launch template may carry either).
 * Fargate is not launched by this provider. What a partial configuration
 * (`berth quote` without the --aws-* flags) leaves open is not narrowed.
 */
export function awsReach(
  config: Pick<AwsProviderConfig, 'region' | 'launchTemplate' | 'amiIds' | 'fargate'> & {
    subnets?: AwsProviderConfig['subnets'];
  },
): Reach {
  const imaged = (['amd64', 'arm64'] as const).filter((a) => config.amiIds?.[a] !== undefined);
  const archs: Arch[] = config.launchTemplate || imaged.length === 0 ? ['amd64', 'arm64'] : imaged;
  const zones = Object.keys(config.subnets ?? {});
  return {
    cloud: 'aws',
    regions: [config.region],
    ...(zones.length > 0 ? { zones } : {}),
    capacityTypes: ['on-demand', 'spot', 'serverless'],
    // Fargate only when configured: the webhook sends its pods there, this provider never launches them.
    serverless: config.fargate ? ['fargate'] : [],
    archs,
    // EC2 machines are whole VMs: whatever a pod asks of its node, the launch template can give.
    cannotHost: [],
  };
}

export function createAwsProvider(input: AwsProviderConfig, options: AwsProviderOptions = {}): AwsProvider {
  const config = validateAwsConfig(input);
  const owner: Ownership = { cluster: config.clusterName, installation: options.installation ?? 'berth' };
  const clientOptions = {
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.retry ? { retry: options.retry } : {}),
  };
  const ec2 = ec2Client(clientOptions);
  const launcher = ec2LaunchClient(clientOptions);
  const warn =
    options.onWarning ??
    ((message: string, fields?: Record<string, unknown>) =>
      process.stderr.write(`aws provider: ${message} ${fields ? JSON.stringify(fields) : ''}\n`));
  const bootstrap: ClusterBootstrap = {
    name: config.clusterName,
    apiServerEndpoint: config.clusterEndpoint,
    certificateAuthority: config.clusterCertificateAuthority.replace(/\s+/g, ''),
    cidr: config.serviceCidr,
  };
  // Labels only the provider knows: which provider and installation a node belongs to.
  const ownershipLabels = {
    [LABEL_PROVIDER]: PROVIDER_NAME,
    [LABEL_CLOUD]: 'aws',
    [LABEL_CLUSTER]: owner.installation,
    [LABEL_OS]: 'linux',
  };

  async function describe(
    filters: NonNullable<DescribeInstancesCommandInput['Filters']>,
    action: string,
    signal?: AbortSignal,
  ): Promise<Ec2Instance[]> {
    const out: Ec2Instance[] = [];
    try {
      const pages = paginateDescribeInstances(
        { client: ec2, pageSize: 500 },
        { Filters: [...ownershipFilters(owner), ...filters] },
      );
      for await (const page of pages) {
        signal?.throwIfAborted();
        for (const r of page.Reservations ?? []) out.push(...(r.Instances ?? []));
      }
    } catch (err) {
      throw classifyAwsError(err, action);
    }
    return out;
  }

  /** The live machines tagged for these claims, one DescribeInstances per 200 claims. */
  async function findClaims(
    claimIds: readonly string[],
    signal: AbortSignal,
  ): Promise<Map<string, Instance>> {
    const out = new Map<string, Instance>();
    for (let i = 0; i < claimIds.length; i += MAX_FILTER_VALUES) {
      const found = await describe(
        [
          { Name: `tag:${TAG_CLAIM_ID}`, Values: claimIds.slice(i, i + MAX_FILTER_VALUES) },
          { Name: 'instance-state-name', Values: LIVE_STATES },
        ],
        'ec2:DescribeInstances',
        signal,
      );
      for (const instance of found.map(instanceFromEc2)) if (instance) out.set(instance.claimId, instance);
    }
    return out;
  }

  /** What no launch of this provider can buy, whichever way it launches. */
  function refuseOutOfReach(claim: Claim): void {
    const o = claim.offering;
    if (o.cloud !== 'aws') {
      throw new Error(`the AWS provider was asked to launch ${o.id}: wire a provider for ${o.cloud}`);
    }
    if (o.region !== config.region) {
      throw new Error(
        `the AWS provider is configured for ${config.region} but was asked to launch ${o.id}: run one berth per region`,
      );
    }
    if (o.capacityType === 'serverless') {
      throw new CapacityError(o.id, 'unsupported', 'the EC2 provider launches machines, not serverless pods');
    }
  }

  async function run(claim: Claim, signal: AbortSignal): Promise<Instance> {
    const o = claim.offering;
    refuseOutOfReach(claim);
    const existing = (await findClaims([claim.id], signal)).get(claim.id);
    if (existing) return existing;

    const data = userData({ ...claim, labels: { ...claim.labels, ...ownershipLabels } }, bootstrap);
    let lastCapacityError: CapacityError | undefined;
    for (const subnet of subnetsFor(o, config.subnets)) {
      signal.throwIfAborted();
      try {
        const out = await launcher.send(
          new RunInstancesCommand(runInstancesInput(claim, config, owner, subnet, data)),
          {
            abortSignal: signal,
          },
        );
        const first = out.Instances?.[0];
        if (!first) throw new Error(`RunInstances for claim ${claim.id} answered with no instance`);
        return launched(claim, first, subnet.zone);
      } catch (err) {
        const e = classifyEc2Error(err, o.id);
        // A regional offering may find room in the next zone; quotas and spot limits are account-wide.
        const zoneBound =
          e instanceof CapacityError && (e.reason === 'insufficient-capacity' || e.reason === 'unsupported');
        if (o.zone === undefined && zoneBound) {
          lastCapacityError = e;
          continue;
        }
        throw e;
      }
    }
    throw lastCapacityError ?? new CapacityError(o.id, 'unsupported', 'no subnet configured');
  }

  // A repeat joins the launch in flight; close aborts them all (a retry after close could buy a second machine).
  // With AMIs (no launch template of the user's), claims of one specification share one CreateFleet.
  const batching = options.batching ?? {};
  let batched: ((claim: Claim, signal: AbortSignal) => Promise<Instance>) | undefined;
  const launches = claimLaunches(
    (claim, signal) => (batched ? batched(claim, signal) : run(claim, signal)),
    'the AWS provider was closed',
  );
  if (batching !== false && !config.launchTemplate && config.amiIds) {
    const fleet = fleetLauncher({ ec2, launcher, config, owner, bootstrap, ownershipLabels, findClaims });
    const batches = launchBatches({
      keyOf: fleet.keyOf,
      launchMany: fleet.launchMany,
      ...(batching.windowMs !== undefined ? { windowMs: batching.windowMs } : {}),
      ...(batching.maxSize !== undefined ? { maxSize: batching.maxSize } : {}),
      closing: launches.closing,
    });
    batched = (claim, signal) => {
      refuseOutOfReach(claim);
      return batches.launch(claim, signal);
    };
  }

  async function terminate(instanceId: string): Promise<void> {
    const id = ec2InstanceIdOf(instanceId);
    try {
      await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    } catch (err) {
      if (awsErrorCode(err) === 'InvalidInstanceID.NotFound') return;
      throw classifyAwsError(err, 'ec2:TerminateInstances');
    }
  }

  async function list(): Promise<Instance[]> {
    const found = await describe(
      [{ Name: 'instance-state-name', Values: LISTED_STATES }],
      'ec2:DescribeInstances',
    );
    return found.map(instanceFromEc2).filter((i): i is Instance => i !== undefined);
  }

  async function nodeNameOf(instanceId: string): Promise<string | undefined> {
    let found: Ec2Instance[];
    try {
      const out = await ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [instanceId], Filters: ownershipFilters(owner) }),
      );
      found = (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    } catch (err) {
      if (awsErrorCode(err) === 'InvalidInstanceID.NotFound') return undefined;
      throw classifyAwsError(err, 'ec2:DescribeInstances');
    }
    const instance = found.map(instanceFromEc2).find((i) => i !== undefined);
    return instance?.nodeName || undefined;
  }

  const notices = createNoticeFanout(warn);
  let queue: InterruptionQueue | undefined;
  let sqs: SQSClient | undefined;

  return {
    cloud: 'aws',
    reach: awsReach(config),
    config,
    ec2,
    launch: launches.launch,
    terminate,
    list,
    onInterruption(handler) {
      const unsubscribe = notices.add(handler);
      const queueUrl = config.interruptionQueueUrl;
      if (queueUrl && !queue) {
        sqs ??= sqsClient(clientOptions);
        queue = startInterruptionQueue({
          sqs,
          queueUrl,
          waitSeconds: options.interruptionWaitSeconds ?? 20,
          nodeNameOf,
          deliver: notices.deliver,
          warn,
        });
      }
      return unsubscribe;
    },
    async prepare() {
      if (!config.fargate) return;
      const eks = eksClient(clientOptions);
      try {
        await ensureFargateProfile(eks, config, owner.installation);
      } finally {
        eks.destroy();
      }
    },
    async close() {
      await launches.close();
      const q = queue;
      queue = undefined;
      await q?.stop();
      sqs?.destroy();
      launcher.destroy();
      ec2.destroy();
    },
  };
}
