import {
  DescribeInstancesCommand,
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type Instance as Ec2Instance,
} from '@aws-sdk/client-ec2';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPricingAdapter } from '../../pricing/aws/adapter.ts';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import type { AwsProvider } from '../../providers/aws/provider.ts';
import { awsProviderSetup } from '../../providers/aws/setup.ts';
import {
  type AwsSimulation,
  EMULATOR_CREDENTIALS,
  startAwsSimulation,
} from '../../providers/aws/simulation.ts';
import { LABEL_POD_UID, type BerthObject } from '../../src/model/index.ts';
import { type Runtime, startRuntime } from '../../src/runtime/runtime.ts';
import { berthPod, core, ensureCrds, getBerth, nodeExists, waitBerth, waitPod } from './berth-harness.ts';
import { type FaultProxy, startFaultProxy } from './ec2-fault-proxy.ts';
import { freshNamespace, kubeConfig, waitFor } from './helpers.ts';
import { startSpotJob } from './spot-job.ts';
import { ec2Product, type PriceListServer, startPriceListServer } from './price-list-server.ts';

/**
 * The proof: the real runtime `berth run --provider aws --live-prices` starts,
 * pricing from the AWS adapter (a local Price List server and moto's EC2),
 * launching through the AWS provider into moto, with the registrar standing
 * in for each machine's kubelet and kwok running the Nodes.
 */

const CLUSTER = 'berth-e2e';
const REGION = 'us-east-1';

// The runtime's AWS clients use the SDK's default credential chain, as in production.
process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
process.env.AWS_EC2_METADATA_DISABLED = 'true';

let moto: MotoServer;
let proxy: FaultProxy;
let prices: PriceListServer;
let sim: AwsSimulation;
let berth: Runtime<AwsProvider>;
const registrarErrors: string[] = [];

async function startBerthOnAws(): Promise<Runtime<AwsProvider>> {
  await ensureCrds();
  const runtime = await startRuntime({
    kubeConfig: kubeConfig(),
    // The controller talks to EC2 through the fault proxy; the test reads moto directly.
    provider: awsProviderSetup({ ...sim.config, endpoint: proxy.endpoint }),
    livePrices: {
      adapter: createAwsPricingAdapter({
        region: REGION,
        pricingEndpoint: prices.endpoint,
        ec2Endpoint: moto.endpoint,
        retry: { baseDelayMs: 20, maxDelayMs: 200 },
        onWarning: () => {},
      }),
      retryMs: 2_000,
    },
    cloud: 'aws',
    region: REGION,
    leaderElection: false,
    http: false,
    gcGraceMs: 5_000,
    gcIntervalMs: 5_000,
    log: pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }),
  });
  await waitFor(
    'live prices',
    async () => (runtime.prices?.current().source === 'live' ? true : undefined),
    60_000,
  );
  return runtime;
}

async function instances(filters: { Name: string; Values: string[] }[]): Promise<Ec2Instance[]> {
  const out = await sim.ec2.send(new DescribeInstancesCommand({ Filters: filters }));
  return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
}
const instancesOfPod = (uid: string) => instances([{ Name: 'tag:berth.dev/pod-uid', Values: [uid] }]);
const live = (i: Ec2Instance) => !['shutting-down', 'terminated'].includes(i.State?.Name ?? '');

async function waitInstanceGone(id: string): Promise<void> {
  await waitFor(
    `instance ${id} terminated in moto`,
    async () => {
      const [i] = await instances([{ Name: 'instance-id', Values: [id] }]);
      return i && !live(i) ? true : undefined;
    },
    60_000,
  );
}

/** The Berth's offering must be the machine moto holds: type, zone and market. */
function expectMachineMatches(b: BerthObject, i: Ec2Instance | undefined): void {
  const o = b.spec.offering!;
  expect(i?.InstanceType).toBe(o.instanceType);
  if (o.zone) expect(i?.Placement?.AvailabilityZone).toBe(o.zone);
  expect(i?.InstanceLifecycle === 'spot').toBe(o.capacityType === 'spot');
}

async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

beforeAll(async () => {
  moto = await startMotoServer();
  proxy = await startFaultProxy(moto.endpoint);
  prices = await startPriceListServer({
    products: [
      ec2Product('m5.large', '0.0960000000', REGION),
      ec2Product('c5.large', '0.0850000000', REGION),
      ec2Product('t3.medium', '0.0416000000', REGION),
      ec2Product('t3.small', '0.0208000000', REGION),
      ec2Product('m6g.large', '0.0770000000', REGION),
    ],
    pageSize: 100,
    accessKeyId: EMULATOR_CREDENTIALS.accessKeyId,
  });
  sim = await startAwsSimulation({
    kubeConfig: kubeConfig(),
    endpoint: moto.endpoint,
    cluster: CLUSTER,
    registrarIntervalMs: 300,
    onError: (err) => registrarErrors.push(String(err)),
  });
  berth = await startBerthOnAws();
}, 180_000);

afterAll(async () => {
  await berth?.stop();
  await sim?.stop();
  await prices?.close();
  await proxy?.close();
  await moto?.stop();
});

describe('berth on AWS (moto) end to end', () => {
  it('prices live, launches into EC2, registers, binds, runs, completes, and terminates the machine', async () => {
    const ns = await freshNamespace(core, 'aws-e2e');
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('build', { completeAfter: '4s' }),
    });
    const uid = created.metadata!.uid!;
    const running = await waitPod(ns, 'build', 'Running', (p) => p.status?.phase === 'Running', 90_000);
    const b = await waitBerth(ns, 'build', 'Bound', (x) => x.status?.phase === 'Bound');
    expect(b.spec.offering?.source.kind).toBe('live');
    expect(b.spec.offering?.cloud).toBe('aws');
    // The EC2 provider can't run Fargate: it is never chosen, not even as a fallback.
    expect(b.spec.fallbacks.length).toBeGreaterThan(0);
    expect([b.spec.offering, ...b.spec.fallbacks].map((o) => o?.capacityType)).not.toContain('serverless');

    const machines = await instancesOfPod(uid);
    expect(machines).toHaveLength(1);
    const machine = machines[0]!;
    expectMachineMatches(b, machine);
    // A batched machine (the default) takes IMDSv2-only from berth's launch template; moto does not copy it over.
    const templates = await sim.ec2.send(
      new DescribeLaunchTemplatesCommand({ Filters: [{ Name: 'tag:berth.dev/cluster', Values: [CLUSTER] }] }),
    );
    expect(templates.LaunchTemplates?.length).toBeGreaterThan(0);
    for (const t of templates.LaunchTemplates ?? []) {
      const v = await sim.ec2.send(
        new DescribeLaunchTemplateVersionsCommand({
          LaunchTemplateId: t.LaunchTemplateId,
          Versions: ['$Default'],
        }),
      );
      expect(v.LaunchTemplateVersions?.[0]?.LaunchTemplateData?.MetadataOptions?.HttpTokens).toBe('required');
    }
    expect(b.status?.instanceId).toBe(machine.InstanceId);

    const nodeName = running.spec?.nodeName ?? '';
    expect(nodeName).toBe(b.status?.nodeName);
    const node = await core.readNode({ name: nodeName });
    expect(node.spec?.providerID).toBe(`aws:///${machine.Placement?.AvailabilityZone}/${machine.InstanceId}`);
    expect(node.spec?.taints).toContainEqual({
      key: 'berth.dev/dedicated',
      value: uid,
      effect: 'NoSchedule',
    });
    expect(node.metadata?.labels?.[LABEL_POD_UID]).toBe(uid);
    expect(node.metadata?.labels?.['node.kubernetes.io/instance-type']).toBe(machine.InstanceType);

    await waitPod(ns, 'build', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 60_000);
    await waitBerth(ns, 'build', 'Terminated', (x) => x.status?.phase === 'Terminated');
    await waitInstanceGone(machine.InstanceId!);
    await waitFor('the node to go', async () => ((await nodeExists(nodeName)) ? undefined : true));
    const [interval] = await berth.ledger.list({ namespace: ns });
    expect(interval?.instanceType).toBe(machine.InstanceType);
    expect(interval?.reason).toBe('PodSucceeded');
  });

  it('falls back to the next offering when EC2 has no capacity for the cheapest', async () => {
    const ns = await freshNamespace(core, 'aws-ice');
    const before = proxy.calls.length;
    // An instant fleet answers a capacity shortage with an Errors entry and no machine.
    proxy.add({ action: 'CreateFleet', partial: { missing: 1, code: 'InsufficientInstanceCapacity' } });
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('ice', { completeAfter: '3s' }),
    });
    await waitPod(ns, 'ice', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 90_000);

    const runs = proxy.calls.slice(before).filter((c) => c.action === 'CreateFleet');
    expect(runs.map((r) => r.faulted)).toEqual([true, false]);
    const b = (await getBerth(ns, 'ice'))!;
    expect(b.status?.attempts).toBe(1);
    const [machine, ...more] = await instancesOfPod(created.metadata!.uid!);
    expect(more).toHaveLength(0);
    expectMachineMatches(b, machine);
    // The one that had no capacity is not the one bought.
    const refused = `${runs[0]?.instanceType}@${runs[0]?.subnetId}`;
    expect(`${machine?.InstanceType}@${machine?.SubnetId}`).not.toBe(refused);
    expect((await eventsOf(ns, 'ice')).some((e) => e.startsWith('CapacityUnavailable: '))).toBe(true);
    await waitInstanceGone(machine!.InstanceId!);
  });

  it('moves a Job pod to a new machine when a spot interruption warning arrives through SQS', async () => {
    const ns = await freshNamespace(core, 'aws-spot');
    const job = await startSpotJob(ns);
    const first = job.first;
    const firstUid = first.metadata!.uid!;
    const [machine] = await instancesOfPod(firstUid);
    expect(machine?.InstanceLifecycle).toBe('spot');

    await sim.sqs.send(
      new SendMessageCommand({
        QueueUrl: sim.config.interruptionQueueUrl!,
        MessageBody: JSON.stringify({
          version: '0',
          id: crypto.randomUUID(),
          'detail-type': 'EC2 Spot Instance Interruption Warning',
          source: 'aws.ec2',
          account: '123456789012',
          time: new Date().toISOString(),
          region: REGION,
          resources: [`arn:aws:ec2:${machine?.Placement?.AvailabilityZone}:instance/${machine?.InstanceId}`],
          detail: { 'instance-id': machine?.InstanceId, 'instance-action': 'terminate' },
        }),
      }),
    );

    const second = await job.replacement();
    const [replacement, ...more] = await instancesOfPod(second.metadata!.uid!);
    expect(more).toHaveLength(0);
    expect(replacement?.InstanceId).not.toBe(machine?.InstanceId);
    expect(live(replacement!)).toBe(true);
    await waitInstanceGone(machine!.InstanceId!);
    expect((await eventsOf(ns, first.metadata!.name!)).some((e) => e.startsWith('SpotInterruption: '))).toBe(
      true,
    );

    await job.delete();
    await waitInstanceGone(replacement!.InstanceId!);
  });

  it('a controller restarted in the middle of a launch does not buy a second machine', async () => {
    const ns = await freshNamespace(core, 'aws-restart');
    const before = proxy.calls.length;
    // The batch's machine is launched and tagged for its claim at once; the tagging's answer reaches the
    // controller only after the restart. (A crash before the tags land is aws-batch-launch.test.ts' case.)
    proxy.add({ action: 'CreateTags', holdMs: 5_000 });
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('slow', { completeAfter: '3s' }),
    });
    await waitFor(
      'CreateTags to reach moto',
      async () => (proxy.calls.slice(before).some((c) => c.action === 'CreateTags') ? true : undefined),
      60_000,
    );
    // moto answers the describe calls of the next controller only once it has created the machine;
    // EC2 itself would also honour the client token, which moto does not.
    await waitFor('the machine to exist in moto', async () =>
      (await instancesOfPod(created.metadata!.uid!)).length > 0 ? true : undefined,
    );
    await berth.stop();
    berth = await startBerthOnAws();

    await waitPod(ns, 'slow', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 90_000);
    expect(proxy.calls.slice(before).filter((c) => c.action === 'CreateFleet')).toHaveLength(1);
    const machines = await instancesOfPod(created.metadata!.uid!);
    expect(machines).toHaveLength(1);
    const b = (await getBerth(ns, 'slow'))!;
    expect(b.status?.attempts ?? 0).toBe(0);
    // The new controller may find the node Ready before its own launch answers: it records the provider id then.
    const m = machines[0];
    expect([m?.InstanceId, `aws:///${m?.Placement?.AvailabilityZone}/${m?.InstanceId}`]).toContain(
      b.status?.instanceId,
    );
    await waitInstanceGone(machines[0]!.InstanceId!);
  });

  it('leaves nothing tagged for the cluster running in EC2, and no node behind', async () => {
    await waitFor(
      'every machine of the cluster terminated',
      async () => {
        const all = await instances([{ Name: 'tag:berth.dev/cluster', Values: [CLUSTER] }]);
        return all.length > 0 && all.every((i) => !live(i)) ? all : undefined;
      },
      60_000,
    );
    const ours = await core.listNode({ labelSelector: 'berth.dev/provider=aws' });
    expect(ours.items.map((n) => n.metadata?.name)).toEqual([]);
    expect(await berth.provider.list()).toEqual([]);
    expect(registrarErrors).toEqual([]);
  });
});
