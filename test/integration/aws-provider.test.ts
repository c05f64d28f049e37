import { DescribeInstanceAttributeCommand, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFor } from '../../src/controller/claim.ts';
import {
  AwsAccessError,
  type AwsProviderConfig,
  CapacityError,
  type Claim,
  type InterruptionNotice,
  type Offering,
} from '../../src/model/index.ts';
import { type AwsProvider, createAwsProvider } from '../../providers/aws/provider.ts';
import { EMULATOR_CREDENTIALS, type SimulatedAccount } from '../../providers/aws/simulation.ts';
import { nodeRegistrationOf } from '../../providers/aws/user-data.ts';
import type { FaultProxy } from './ec2-fault-proxy.ts';
import { type AwsTestAccount, startAwsTestAccount, tagsOf } from './aws-test-account.ts';
import { waitFor } from './helpers.ts';
import { testBerth } from '../fixtures/berth-object.ts';
import { testOffering } from '../fixtures/offering.ts';

const CLUSTER = 'provider-test';
const fastRetry = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 };

let env: AwsTestAccount;
let proxy: FaultProxy;
let account: SimulatedAccount;
let config: AwsProviderConfig;
const providers: AwsProvider[] = [];

function provider(
  over: Partial<AwsProviderConfig> = {},
  installation = 'berth',
  warnings: string[] = [],
): AwsProvider {
  const p = createAwsProvider(
    { ...config, ...over },
    {
      installation,
      credentials: EMULATOR_CREDENTIALS,
      retry: fastRetry,
      interruptionWaitSeconds: 1,
      onWarning: (message) => warnings.push(message),
      // The one-RunInstances-per-claim path (a configured launch template's); batches are aws-batch-launch.test.ts'.
      batching: false,
    },
  );
  providers.push(p);
  return p;
}

function offering(over: Partial<Offering> = {}): Offering {
  return testOffering(over);
}

let seq = 0;
function claim(o: Offering = offering()): Claim {
  seq += 1;
  return claimFor(testBerth(seq, 'aws'), o, 0, 'berth');
}

const instancesOf = (filters: { Name: string; Values: string[] }[]) => env.instancesOf(filters);

const byClaim = (c: Claim) => instancesOf([{ Name: 'tag:berth.dev/claim-id', Values: [c.id] }]);
const tags = tagsOf;
const signal = () => AbortSignal.timeout(30_000);

beforeAll(async () => {
  env = await startAwsTestAccount(CLUSTER);
  ({ proxy, account, config } = env);
});

afterAll(async () => {
  for (const p of providers) await p.close();
  await env?.stop();
});

describe('AWS provider against moto', () => {
  it('launches one spot machine tagged for the claim, IMDSv2 only, joining the cluster with the dedicated taint', async () => {
    const c = claim();
    const instance = await provider().launch(c, signal());
    const found = await byClaim(c);
    expect(found).toHaveLength(1);
    const i = found[0]!;
    expect(instance.id).toBe(i.InstanceId);
    expect(instance.providerId).toBe(`aws:///${i.Placement?.AvailabilityZone}/${i.InstanceId}`);
    expect(instance).toMatchObject({ claimId: c.id, nodeName: c.nodeName, offeringId: c.offering.id });
    expect(i.InstanceType).toBe('m5.large');
    expect(i.InstanceLifecycle).toBe('spot');
    expect(i.MetadataOptions).toMatchObject({
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: 2,
    });
    expect(i.SubnetId).toBe(config.subnets['us-east-1a']);
    expect(i.IamInstanceProfile?.Arn).toMatch(/instance-profile\/provider-test-node$/);
    expect(tags(i)).toMatchObject({
      'berth.dev/cluster': CLUSTER,
      'berth.dev/claim-id': c.id,
      'berth.dev/node-name': c.nodeName,
      'berth.dev/pod': `aws/${c.pod.name}`,
      'berth.dev/pod-uid': c.pod.uid,
      'berth.dev/offering-id': c.offering.id,
      Name: c.nodeName,
    });
    const attr = await account.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'userData' }),
    );
    const registration = nodeRegistrationOf(attr.UserData?.Value ?? '');
    expect(registration.cluster.name).toBe(CLUSTER);
    expect(registration.taints).toEqual([
      { key: 'berth.dev/dedicated', value: c.pod.uid, effect: 'NoSchedule' },
    ]);
    expect(registration.labels).toMatchObject({
      ...c.labels,
      'berth.dev/cluster': 'berth',
      'berth.dev/provider': 'aws',
    });
  });

  it('buys on-demand without a spot market, in the offering zone when it has one', async () => {
    const c = claim(offering({ capacityType: 'on-demand', zone: 'us-east-1c' }));
    await provider().launch(c, signal());
    const [i] = await byClaim(c);
    expect(i?.InstanceLifecycle).toBeUndefined();
    expect(i?.Placement?.AvailabilityZone).toBe('us-east-1c');
  });

  it('launching a claim again, at once, concurrently or from a restarted provider, returns the same machine', async () => {
    const c = claim();
    const first = provider();
    const [a, b] = await Promise.all([first.launch(c, signal()), first.launch(c, signal())]);
    const again = await first.launch(c, signal());
    const restarted = await provider().launch(c, signal());
    expect(new Set([a.id, b.id, again.id, restarted.id]).size).toBe(1);
    expect(await byClaim(c)).toHaveLength(1);
  });

  it('terminates idempotently, by instance id or provider id, and a machine that never existed is fine', async () => {
    const p = provider();
    const c = claim();
    const instance = await p.launch(c, signal());
    await p.terminate(instance.id);
    await p.terminate(instance.providerId);
    await p.terminate('i-0123456789abcdef0');
    const [i] = await byClaim(c);
    expect(['shutting-down', 'terminated']).toContain(i?.State?.Name);
    await expect(p.terminate('not-an-instance')).rejects.toThrow(/not an EC2 instance id/);
  });

  it('lists only live machines of its own cluster and installation', async () => {
    const mine = provider();
    const ours = await mine.launch(claim(), signal());
    const gone = await mine.launch(claim(), signal());
    await mine.terminate(gone.id);
    const otherInstallation = await provider({}, 'berth-canary').launch(claim(), signal());
    const otherCluster = await provider({ clusterName: 'someone-else' }).launch(claim(), signal());
    const untagged = await account.ec2.send(
      new RunInstancesCommand({
        ImageId: config.amiIds?.amd64,
        MinCount: 1,
        MaxCount: 1,
        InstanceType: 't3.micro',
      }),
    );
    const listed = (await mine.list()).map((i) => i.id);
    expect(listed).toContain(ours.id);
    for (const id of [gone.id, otherInstallation.id, otherCluster.id, untagged.Instances?.[0]?.InstanceId]) {
      expect(listed).not.toContain(id);
    }
    const all = await mine.list();
    expect(all.every((i) => i.claimId && i.nodeName && i.providerId.startsWith('aws:///'))).toBe(true);
  });

  it('meets no capacity in one zone by trying the next, and reports a CapacityError once every zone refused', async () => {
    const p = provider();
    proxy.add({
      action: 'RunInstances',
      instanceType: 'c5.large',
      code: 'InsufficientInstanceCapacity',
      status: 500,
    });
    const c = claim(offering({ instanceType: 'c5.large', family: 'c5' }));
    await p.launch(c, signal());
    expect((await byClaim(c))[0]?.Placement?.AvailabilityZone).toBe('us-east-1b');

    const before = proxy.calls.length;
    const zones = Object.keys(config.subnets).length;
    expect(zones).toBeGreaterThan(2);
    proxy.add({
      action: 'RunInstances',
      instanceType: 'c5.xlarge',
      code: 'InsufficientInstanceCapacity',
      status: 500,
      times: zones,
    });
    const d = claim(offering({ instanceType: 'c5.xlarge', family: 'c5' }));
    const err = await p.launch(d, signal()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect(err).toMatchObject({ offeringId: d.offering.id, reason: 'insufficient-capacity' });
    // One call per zone: the 500 is an answer, never retried by the SDK.
    const runs = proxy.calls.slice(before).filter((call) => call.action === 'RunInstances');
    expect(runs.map((r) => r.subnetId)).toEqual(Object.values(config.subnets));
    expect(await byClaim(d)).toHaveLength(0);
  });

  it('gives up a quota or spot limit at once (account-wide), and a zonal offering after its one zone', async () => {
    const p = provider();
    const before = proxy.calls.length;
    proxy.add({ action: 'RunInstances', instanceType: 'r5.large', code: 'VcpuLimitExceeded' });
    const quota = await p
      .launch(claim(offering({ instanceType: 'r5.large', family: 'r5' })), signal())
      .catch((e) => e);
    expect(quota).toMatchObject({ reason: 'quota' });
    proxy.add({ action: 'RunInstances', instanceType: 'r5.xlarge', code: 'MaxSpotInstanceCountExceeded' });
    const spot = await p
      .launch(claim(offering({ instanceType: 'r5.xlarge', family: 'r5' })), signal())
      .catch((e) => e);
    expect(spot).toMatchObject({ reason: 'spot-limit' });
    proxy.add({
      action: 'RunInstances',
      instanceType: 'r5.2xlarge',
      code: 'InsufficientInstanceCapacity',
      status: 500,
    });
    const zonal = claim(offering({ instanceType: 'r5.2xlarge', family: 'r5', zone: 'us-east-1a' }));
    expect(await p.launch(zonal, signal()).catch((e) => e)).toBeInstanceOf(CapacityError);
    expect(proxy.calls.slice(before).filter((call) => call.action === 'RunInstances')).toHaveLength(3);
  });

  it('retries throttled calls with bounded backoff and then succeeds', async () => {
    const p = provider();
    const before = proxy.calls.length;
    proxy.add({ action: 'DescribeInstances', code: 'RequestLimitExceeded', status: 503, times: 1 });
    proxy.add({ action: 'RunInstances', code: 'RequestLimitExceeded', status: 503, times: 2 });
    const c = claim();
    const instance = await p.launch(c, signal());
    expect(instance.id).toMatch(/^i-/);
    const seen = proxy.calls.slice(before).map((call) => `${call.action}:${call.faulted}`);
    expect(seen).toEqual([
      'DescribeInstances:true',
      'DescribeInstances:false',
      'RunInstances:true',
      'RunInstances:true',
      'RunInstances:false',
    ]);
    expect(await byClaim(c)).toHaveLength(1);
  });

  it('sends RunInstances again only when throttled: a transient failure may have launched, so it goes back to the caller', async () => {
    const p = provider();
    const before = proxy.calls.length;
    // Describe calls are safe to repeat: a 500 is retried there.
    proxy.add({ action: 'DescribeInstances', code: 'InternalError', status: 500, times: 1 });
    proxy.add({ action: 'RunInstances', code: 'InternalError', status: 500, times: 1 });
    const c = claim();
    const err = await p.launch(c, signal()).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'InternalError' });
    expect(err).not.toBeInstanceOf(CapacityError);
    const seen = proxy.calls.slice(before).map((call) => `${call.action}:${call.faulted}`);
    expect(seen).toEqual(['DescribeInstances:true', 'DescribeInstances:false', 'RunInstances:true']);
    // The caller's next try looks for the claim's machine first, then launches it once.
    const instance = await p.launch(c, signal());
    expect(instance.id).toMatch(/^i-/);
    expect(await byClaim(c)).toHaveLength(1);
  });

  it('says which IAM action was refused when the role lacks it', async () => {
    proxy.add({
      action: 'RunInstances',
      code: 'UnauthorizedOperation',
      status: 403,
      message: 'You are not authorized to perform this operation.',
    });
    const err = await provider()
      .launch(claim(), signal())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsAccessError);
    expect((err as Error).message).toMatch(/may not call ec2:RunInstances/);
    proxy.add({ action: 'TerminateInstances', code: 'AuthFailure', status: 401 });
    await expect(provider().terminate('i-0123456789abcdef0')).rejects.toThrow(
      /rejected berth's credentials on ec2:TerminateInstances/,
    );
  });

  it('refuses serverless offerings and other regions before calling EC2', async () => {
    const p = provider();
    const before = proxy.calls.length;
    const fargate = offering({
      instanceType: 'fargate-amd64',
      family: 'fargate',
      capacityType: 'serverless',
    });
    expect(await p.launch(claim(fargate), signal()).catch((e) => e)).toMatchObject({ reason: 'unsupported' });
    await expect(p.launch(claim(offering({ region: 'eu-west-1' })), signal())).rejects.toThrow(
      /configured for us-east-1/,
    );
    expect(proxy.calls.length).toBe(before);
  });

  it('hears a spot interruption warning from SQS, maps it to the node, and deletes what it read', async () => {
    const warnings: string[] = [];
    const p = provider({}, 'berth', warnings);
    const c = claim();
    const instance = await p.launch(c, signal());
    const notices: InterruptionNotice[] = [];
    const unsubscribe = p.onInterruption((n) => notices.push(n));
    const queueUrl = config.interruptionQueueUrl!;
    const send = (body: string) =>
      account.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    const event = (instanceId: string, time: string) =>
      JSON.stringify({
        version: '0',
        id: crypto.randomUUID(),
        'detail-type': 'EC2 Spot Instance Interruption Warning',
        source: 'aws.ec2',
        account: '123456789012',
        time,
        region: 'us-east-1',
        resources: [`arn:aws:ec2:us-east-1a:instance/${instanceId}`],
        detail: { 'instance-id': instanceId, 'instance-action': 'terminate' },
      });
    await send('{"this is": not json');
    await send(event('i-0fffffffffffffff0', '2025-03-01T12:00:00Z'));
    await send(event(instance.id, '2025-03-01T12:00:00Z'));
    await waitFor('the interruption notice', async () => (notices.length > 0 ? true : undefined), 20_000);
    expect(notices).toEqual([
      {
        instanceId: instance.id,
        nodeName: c.nodeName,
        kind: 'spot-interruption',
        deadline: '2025-03-01T12:02:00.000Z',
      },
    ]);
    await waitFor(
      'the queue to be drained',
      async () => {
        const attrs = await account.sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: queueUrl,
            AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
          }),
        );
        const a = attrs.Attributes ?? {};
        return a.ApproximateNumberOfMessages === '0' && a.ApproximateNumberOfMessagesNotVisible === '0'
          ? true
          : undefined;
      },
      20_000,
    );
    unsubscribe();
    expect(notices).toHaveLength(1);
    expect(warnings).toEqual(['skipping a malformed interruption message']);
  });
});
