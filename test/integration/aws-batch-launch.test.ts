import { DescribeInstanceAttributeCommand } from '@aws-sdk/client-ec2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimFor } from '../../src/controller/claim.ts';
import { collectGarbage } from '../../src/controller/garbage-collection.ts';
import { KubeCluster } from '../../src/controller/kube-cluster.ts';
import {
  type AwsProviderConfig,
  type BerthObject,
  CapacityError,
  type Claim,
  LABEL_CLUSTER,
  type Offering,
} from '../../src/model/index.ts';
import {
  type AwsProvider,
  type AwsProviderOptions,
  createAwsProvider,
} from '../../providers/aws/provider.ts';
import { ec2Machines } from '../../providers/aws/registrar.ts';
import { EMULATOR_CREDENTIALS, type SimulatedAccount } from '../../providers/aws/simulation.ts';
import type { FaultProxy } from './ec2-fault-proxy.ts';
import { type AwsTestAccount, startAwsTestAccount, tagsOf } from './aws-test-account.ts';
import { testBerth } from '../fixtures/berth-object.ts';
import { testOffering } from '../fixtures/offering.ts';
import { core, ensureCrds, kc } from './berth-harness.ts';
import { freshNamespace } from './helpers.ts';

const CLUSTER = 'batch-test';
const fastRetry = { maxAttempts: 4, baseDelayMs: 20, maxDelayMs: 100 };

let env: AwsTestAccount;
let proxy: FaultProxy;
let account: SimulatedAccount;
let config: AwsProviderConfig;
const providers: AwsProvider[] = [];

function provider(
  installation: string,
  batching: AwsProviderOptions['batching'] = { windowMs: 200 },
): AwsProvider {
  const p = createAwsProvider(config, {
    installation,
    credentials: EMULATOR_CREDENTIALS,
    retry: fastRetry,
    batching,
    onWarning: () => {},
  });
  providers.push(p);
  return p;
}

let seq = 0;
function berth(): BerthObject {
  seq += 1;
  return testBerth(seq, 'batch', '9000');
}
const claim = (b: BerthObject, o: Offering = testOffering({ zone: 'us-east-1a' })): Claim =>
  claimFor(b, o, 0, 'berth');
const claims = (n: number, o?: Offering) => Array.from({ length: n }, () => claim(berth(), o));

const instancesOf = (filters: { Name: string; Values: string[] }[]) => env.instancesOf(filters);
const live = { Name: 'instance-state-name', Values: ['pending', 'running'] };
const byClaim = (c: Claim) => instancesOf([{ Name: 'tag:berth.dev/claim-id', Values: [c.id] }, live]);
const tags = tagsOf;
const signal = () => AbortSignal.timeout(30_000);
/** The proxy's calls of one action since `from`. */
const callsOf = (action: string, from: number) => proxy.calls.slice(from).filter((c) => c.action === action);

beforeAll(async () => {
  env = await startAwsTestAccount(CLUSTER);
  ({ proxy, account, config } = env);
});

afterAll(async () => {
  for (const p of providers) await p.close();
  await env?.stop();
});

describe('AWS batched launches (CreateFleet instant) against moto', () => {
  it('launches the claims of one specification arriving together with one CreateFleet, one machine tagged per claim', async () => {
    const p = provider('one-spec');
    const cs = claims(3);
    const from = proxy.calls.length;
    const got = await Promise.all(cs.map((c) => p.launch(c, signal())));
    expect(callsOf('CreateFleet', from)).toHaveLength(1);
    expect(callsOf('RunInstances', from)).toHaveLength(0);
    expect(callsOf('DescribeInstances', from)).toHaveLength(1);
    expect(callsOf('CreateLaunchTemplate', from)).toHaveLength(1);
    expect(callsOf('CreateTags', from)).toHaveLength(3);
    expect(new Set(got.map((i) => i.id)).size).toBe(3);
    const registrar = ec2Machines(account.ec2, CLUSTER);
    for (const [n, c] of cs.entries()) {
      const found = await byClaim(c);
      expect(found).toHaveLength(1);
      const i = found[0]!;
      expect(got[n]).toMatchObject({ id: i.InstanceId, claimId: c.id, nodeName: c.nodeName });
      expect(i.InstanceType).toBe('m5.large');
      expect(i.SubnetId).toBe(config.subnets['us-east-1a']);
      expect(tags(i)).toMatchObject({
        'berth.dev/cluster': CLUSTER,
        'berth.dev/installation': 'one-spec',
        'berth.dev/claim-id': c.id,
        'berth.dev/node-name': c.nodeName,
        'berth.dev/pod-uid': c.pod.uid,
        Name: c.nodeName,
      });
      expect(tags(i)['berth.dev/batch']).toMatch(/^[0-9a-f]{32}$/);
      // The shared user data names no pod; the machine's boot reads its claim from its tags.
      const data = await account.ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: i.InstanceId, Attribute: 'userData' }),
      );
      expect(Buffer.from(data.UserData?.Value ?? '', 'base64').toString('utf8')).not.toContain(c.pod.uid);
      const machine = (await registrar.list()).find((m) => m.id === i.InstanceId)!;
      const node = await registrar.nodeFor(machine);
      expect(node.metadata?.name).toBe(c.nodeName);
      expect(node.metadata?.labels?.['berth.dev/pod-uid']).toBe(c.pod.uid);
      expect(node.spec?.taints).toEqual([
        { key: 'berth.dev/dedicated', value: c.pod.uid, effect: 'NoSchedule' },
      ]);
    }
  });

  it('sends two specifications as two calls, and reuses a launch template that already exists', async () => {
    const cs = [
      ...claims(2),
      ...claims(2, testOffering({ zone: 'us-east-1a', instanceType: 'c5.large', family: 'c5' })),
    ];
    const from = proxy.calls.length;
    // The first test's installation in a fresh provider: its m5.large template is met as "already exists".
    const p = provider('one-spec');
    const got = await Promise.all(cs.map((c) => p.launch(c, signal())));
    expect(callsOf('CreateLaunchTemplate', from)).toHaveLength(2);
    const fleets = callsOf('CreateFleet', from);
    expect(fleets.map((f) => f.instanceType).sort()).toEqual(['c5.large', 'm5.large']);
    expect(got.map((i) => i.claimId)).toEqual(cs.map((c) => c.id));
    for (const c of cs) expect(await byClaim(c)).toHaveLength(1);
  });

  it('answers a repeat launch of a tagged claim with its machine, launching nothing', async () => {
    const [c] = claims(1);
    const first = await provider('repeat').launch(c!, signal());
    const from = proxy.calls.length;
    // A fresh provider, as after a restart.
    const again = await provider('repeat').launch(c!, signal());
    expect(again.id).toBe(first.id);
    expect(callsOf('CreateFleet', from)).toHaveLength(0);
    expect(callsOf('CreateTags', from)).toHaveLength(0);
  });

  it('gives each claim a partial fleet left without a machine its own CapacityError', async () => {
    const p = provider('partial');
    const cs = claims(3);
    proxy.add({ action: 'CreateFleet', partial: { missing: 1, code: 'InsufficientInstanceCapacity' } });
    const settled = await Promise.allSettled(cs.map((c) => p.launch(c, signal())));
    const launched = settled.filter((s) => s.status === 'fulfilled');
    const refused = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
    expect(launched).toHaveLength(2);
    expect(refused).toHaveLength(1);
    expect(refused[0]).toBeInstanceOf(CapacityError);
    expect(refused[0]).toMatchObject({ reason: 'insufficient-capacity' });
    const machines = await Promise.all(cs.map(byClaim));
    expect(machines.map((m) => m.length).sort()).toEqual([0, 1, 1]);
  });

  it('asks the next zone for the machines a regional offering found no room for in the first', async () => {
    const p = provider('next-zone');
    const cs = claims(2, testOffering());
    proxy.add({ action: 'CreateFleet', partial: { missing: 2, code: 'InsufficientInstanceCapacity' } });
    const from = proxy.calls.length;
    const got = await Promise.all(cs.map((c) => p.launch(c, signal())));
    const fleets = callsOf('CreateFleet', from);
    expect(fleets.map((f) => f.subnetId)).toEqual([
      config.subnets['us-east-1a'],
      config.subnets['us-east-1b'],
    ]);
    for (const [n, c] of cs.entries()) {
      const [i, ...more] = await byClaim(c);
      expect(more).toHaveLength(0);
      expect(i?.SubnetId).toBe(config.subnets['us-east-1b']);
      expect(got[n]?.providerId).toBe(`aws:///us-east-1b/${i?.InstanceId}`);
    }
  });

  it('collects a machine a crash left between CreateFleet and its tags, and the relaunched claims get one machine each', async () => {
    const installation = 'crash';
    // Garbage collection reads the real cluster: two Berths of this installation, no pods, no Nodes.
    await ensureCrds();
    const ns = await freshNamespace(core, 'aws-batch-crash');
    const log = pino({ level: 'silent' });
    const cluster = new KubeCluster(kc, installation, log);
    await cluster.watch({ pods: {}, berths: {}, nodes: {}, policies: {} });
    try {
      const berths = await Promise.all(
        [berth(), berth()].map((b) =>
          cluster.createBerth({
            ...b,
            metadata: { name: b.metadata.name, namespace: ns, labels: { [LABEL_CLUSTER]: installation } },
            spec: { ...b.spec, pod: { ...b.spec.pod, namespace: ns } },
          }),
        ),
      );
      const cs = berths.map((b) => claim(b));
      const crashed = provider(installation);
      // The claim tags never arrive: the process dies while its CreateTags calls are on their way.
      proxy.add({ action: 'CreateTags', holdRequestMs: 5_000, times: 2 });
      const from = proxy.calls.length;
      const pending = cs.map((c) => crashed.launch(c, signal()).catch((e: unknown) => e));
      await waitForCall('CreateTags', from, 2);
      await crashed.close();
      expect((await Promise.all(pending)).every((e) => e instanceof Error)).toBe(true);
      const strays = await instancesOf([
        { Name: 'tag:berth.dev/installation', Values: [installation] },
        live,
      ]);
      expect(strays).toHaveLength(2);
      for (const s of strays) expect(tags(s)['berth.dev/claim-id']).toBeUndefined();

      // After the restart: the claims launch again (their tag lookup finds nothing) ...
      const restarted = provider(installation);
      const listed = await restarted.list();
      expect(
        listed
          .filter((i) => i.claimId === '')
          .map((i) => i.id)
          .sort(),
      ).toEqual(strays.map((s) => s.InstanceId).sort());
      const relaunched = await Promise.all(cs.map((c) => restarted.launch(c, signal())));
      // ... and garbage collection, past its grace, removes the strays and nothing the Berths claim.
      const graceMs = 1_000;
      await new Promise((r) => setTimeout(r, graceMs + 100));
      await collectGarbage({ view: cluster, writer: cluster, provider: restarted, log, graceMs });
      for (const [n, c] of cs.entries()) {
        const mine = await byClaim(c);
        expect(mine.map((i) => i.InstanceId)).toEqual([relaunched[n]!.id]);
      }
      const left = await instancesOf([{ Name: 'tag:berth.dev/installation', Values: [installation] }, live]);
      expect(left.map((i) => i.InstanceId).sort()).toEqual(relaunched.map((i) => i.id).sort());
      for (const i of relaunched) await restarted.terminate(i.id);
    } finally {
      await cluster.stop();
    }
  });
});

async function waitForCall(action: string, from: number, count: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (callsOf(action, from).length < count) {
    if (Date.now() > deadline) throw new Error(`no ${count} ${action} calls within 20 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
