import { randomUUID } from 'node:crypto';
import { CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ANNOTATION_CLAIM_ID,
  ANNOTATION_KWOK_NODE,
  CapacityError,
  type Claim,
  ClaimConflictError,
  type InterruptionNotice,
  LABEL_ARCH,
  LABEL_CAPACITY_TYPE,
  LABEL_CLOUD,
  LABEL_CLUSTER,
  LABEL_INSTANCE_TYPE,
  LABEL_POD_UID,
  LABEL_PROVIDER,
  LABEL_REGION,
  LABEL_ZONE,
  type Offering,
  TAINT_DEDICATED,
} from '../../src/model/index.ts';
import { nodeAllocatable } from '../../src/placement/node-reserved.ts';
import {
  createLocalProvider,
  type LocalProvider,
  type LocalProviderOptions,
} from '../../providers/local/provider.ts';
import { kubeConfig, waitFor } from './helpers.ts';
import { testOffering } from '../fixtures/offering.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);

function offering(overrides: Partial<Offering> = {}): Offering {
  return testOffering({ zone: 'us-east-1a', maxPods: 29, ...overrides });
}

function claim(o: Offering = offering()): Claim {
  const podUid = randomUUID();
  return {
    id: `${randomUUID()}-0`,
    nodeName: `lp-${podUid.slice(0, 8)}-0`,
    pod: { namespace: 'default', name: 'p', uid: podUid },
    offering: o,
    labels: {
      [LABEL_INSTANCE_TYPE]: o.instanceType,
      [LABEL_REGION]: o.region,
      [LABEL_ZONE]: o.zone ?? '',
      [LABEL_ARCH]: o.arch,
      [LABEL_CAPACITY_TYPE]: o.capacityType,
      [LABEL_CLOUD]: o.cloud,
      [LABEL_POD_UID]: podUid,
    },
    taints: [{ key: TAINT_DEDICATED, value: podUid, effect: 'NoSchedule' }],
  };
}

const never = new AbortController().signal;
const providers: LocalProvider[] = [];

/** A provider tagged with a cluster name of its own, so list() sees only this test's machines. */
function provider(options: Partial<LocalProviderOptions> = {}): LocalProvider {
  const p = createLocalProvider({ kubeConfig: kc, clusterName: `t-${randomUUID().slice(0, 8)}`, ...options });
  providers.push(p);
  return p;
}

async function readNode(name: string): Promise<V1Node | undefined> {
  return core.readNode({ name }).catch(() => undefined);
}

async function nodeCount(name: string): Promise<number> {
  const list = await core.listNode({ fieldSelector: `metadata.name=${name}` });
  return list.items.length;
}

afterEach(async () => {
  for (const p of providers.splice(0)) {
    p.close();
    for (const i of await p.list()) await p.terminate(i.id);
  }
});

describe('local provider', () => {
  it('launches a Node with the claim taint, labels and capacity, and kwok makes it Ready', async () => {
    const p = provider({ allocatableOf: nodeAllocatable });
    const c = claim(
      offering({
        instanceType: 'g4dn.xlarge',
        family: 'g4dn',
        cpu: 4000,
        memoryMiB: 16384,
        gpu: { count: 1, model: 't4', memoryMiB: 15360 },
      }),
    );
    const instance = await p.launch(c, never);

    expect(instance).toMatchObject({
      id: `local://aws/us-east-1/${c.nodeName}`,
      providerId: `local://aws/us-east-1/${c.nodeName}`,
      claimId: c.id,
      nodeName: c.nodeName,
      offeringId: c.offering.id,
      state: 'running',
    });
    expect(Number.isNaN(Date.parse(instance.launchedAt))).toBe(false);

    const node = await waitFor(`node ${c.nodeName} Ready`, async () => {
      const n = await readNode(c.nodeName);
      return n?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ? n : undefined;
    });
    expect(node.spec?.providerID).toBe(instance.id);
    // The node lifecycle controller may still hold its own not-ready taint for a moment; ours must be there.
    expect(node.spec?.taints?.filter((t) => t.key.startsWith('berth.dev/'))).toEqual([
      { key: TAINT_DEDICATED, value: c.pod.uid, effect: 'NoSchedule' },
    ]);
    expect(node.metadata?.labels).toMatchObject({ ...c.labels, [LABEL_PROVIDER]: 'local' });
    expect(node.metadata?.annotations?.[ANNOTATION_KWOK_NODE]).toBe('fake');
    expect(node.metadata?.annotations?.[ANNOTATION_CLAIM_ID]).toBe(c.id);
    expect(node.status?.capacity).toMatchObject({
      cpu: '4',
      memory: '16Gi',
      pods: '29',
      'nvidia.com/gpu': '1',
    });
    // EKS reserve for 4 cores: 60 + 10 + 5 + 5 = 80m; memory 11 MiB x 29 pods + 255 + 100 eviction.
    expect(node.status?.allocatable).toMatchObject({
      cpu: '3920m',
      memory: `${16384 - (11 * 29 + 255) - 100}Mi`,
      pods: '29',
      'nvidia.com/gpu': '1',
    });
  });

  it('defaults allocatable to capacity and uses 110 pods when the offering names no limit', async () => {
    const p = provider();
    const c = claim(offering({ maxPods: undefined, cpu: 1500, memoryMiB: 3584 }));
    await p.launch(c, never);
    const node = await readNode(c.nodeName);
    expect(node?.status?.capacity).toEqual({ cpu: '1500m', memory: '3584Mi', pods: '110' });
    expect(node?.status?.allocatable).toEqual(node?.status?.capacity);
  });

  it('launching the same claim twice, even at once, yields one Node and one instance', async () => {
    const p = provider({ bootDelayMs: 500 });
    const c = claim();
    const [a, b] = await Promise.all([p.launch(c, never), p.launch(c, never)]);
    const again = await p.launch(c, never);
    expect(b).toEqual(a);
    expect(again.id).toBe(a.id);
    expect(again.launchedAt).toBe(a.launchedAt);
    expect(await nodeCount(c.nodeName)).toBe(1);
    expect((await p.list()).map((i) => i.id)).toEqual([a.id]);
  });

  it('never reuses a Node launched for another claim', async () => {
    const p = provider();
    const first = claim();
    await p.launch(first, never);
    const other: Claim = { ...claim(), nodeName: first.nodeName };
    await expect(p.launch(other, never)).rejects.toBeInstanceOf(ClaimConflictError);
    expect((await readNode(first.nodeName))?.metadata?.annotations?.[ANNOTATION_CLAIM_ID]).toBe(first.id);
  });

  it('a capacity failure rule throws CapacityError, creates nothing, and lets launches through after `times`', async () => {
    const p = provider({
      failures: [{ instanceType: 'm5.large', capacityType: 'spot', reason: 'spot-limit', times: 2 }],
    });
    const c = claim();
    for (let i = 0; i < 2; i++) {
      const err = await p.launch(c, never).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(CapacityError);
      expect(err).toMatchObject({ offeringId: c.offering.id, reason: 'spot-limit' });
      expect(await readNode(c.nodeName)).toBeUndefined();
    }
    // Other offerings were never affected.
    const onDemand = claim(offering({ capacityType: 'on-demand', pricePerHour: 0.096 }));
    await p.launch(onDemand, never);
    await p.launch(c, never);
    expect(await readNode(c.nodeName)).toBeDefined();
  });

  it('failNext fails only the next matching launch; a rule without times always fails', async () => {
    const p = provider({
      failures: [{ offeringId: offering({ instanceType: 'c5.large' }).id, reason: 'quota' }],
    });
    const c = claim();
    p.failNext({ offeringId: c.offering.id, reason: 'insufficient-capacity' });
    await expect(p.launch(c, never)).rejects.toMatchObject({ reason: 'insufficient-capacity' });
    await p.launch(c, never);

    const always = claim(offering({ instanceType: 'c5.large' }));
    for (let i = 0; i < 3; i++)
      await expect(p.launch(always, never)).rejects.toMatchObject({ reason: 'quota' });
    expect(await readNode(always.nodeName)).toBeUndefined();
  });

  it('terminate removes the Node, and a second terminate is fine', async () => {
    const p = provider();
    const c = claim();
    const instance = await p.launch(c, never);
    await p.terminate(instance.id);
    await waitFor(`node ${c.nodeName} gone`, async () => ((await readNode(c.nodeName)) ? undefined : true));
    await p.terminate(instance.id);
    expect(await p.list()).toEqual([]);
  });

  it('terminate leaves alone a Node of the same name that is not that instance', async () => {
    const p = provider();
    const name = `lp-foreign-${randomUUID().slice(0, 8)}`;
    await core.createNode({ body: { metadata: { name, annotations: { [ANNOTATION_KWOK_NODE]: 'fake' } } } });
    try {
      await p.terminate(`local://aws/us-east-1/${name}`);
      expect(await readNode(name)).toBeDefined();
    } finally {
      await core.deleteNode({ name });
    }
  });

  it('list returns exactly this provider’s machines', async () => {
    const mine = provider();
    const theirs = provider();
    const a = await mine.launch(claim(), never);
    const b = await mine.launch(
      claim(offering({ instanceType: 'm5.xlarge', cpu: 4000, memoryMiB: 16384 })),
      never,
    );
    const other = await theirs.launch(claim(), never);
    const listed = await mine.list();
    expect(listed.map((i) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(listed.find((i) => i.id === b.id)).toMatchObject({
      claimId: b.claimId,
      offeringId: b.offeringId,
      state: 'running',
    });
    expect((await theirs.list()).map((i) => i.id)).toEqual([other.id]);
    // The other provider's machine carries its own cluster label, not ours.
    const node = await readNode(other.nodeName);
    expect(node?.metadata?.labels?.[LABEL_CLUSTER]).toBeDefined();
    expect(node?.metadata?.labels?.[LABEL_CLUSTER]).not.toBe(
      (await readNode(a.nodeName))?.metadata?.labels?.[LABEL_CLUSTER],
    );
  });

  it('delivers a spot interruption notice and takes the machine back at the deadline', async () => {
    const p = provider({ interruptionGraceMs: 1500 });
    const c = claim();
    const instance = await p.launch(c, never);
    const heard: InterruptionNotice[] = [];
    const unsubscribed: InterruptionNotice[] = [];
    p.onInterruption((n) => heard.push(n));
    const off = p.onInterruption((n) => unsubscribed.push(n));
    off();

    const before = Date.now();
    const notice = await p.interrupt(instance.id);
    expect(notice).toMatchObject({
      instanceId: instance.id,
      nodeName: c.nodeName,
      kind: 'spot-interruption',
    });
    expect(Date.parse(notice.deadline)).toBeGreaterThanOrEqual(before + 1500);
    expect(heard).toEqual([notice]);
    expect(unsubscribed).toEqual([]);
    // Not before the deadline...
    expect(await readNode(c.nodeName)).toBeDefined();
    // ...but soon after it.
    await waitFor(
      'interrupted node gone',
      async () => ((await readNode(c.nodeName)) ? undefined : true),
      10_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(notice.deadline));
  });

  it('a rebalance recommendation is only advice: the machine stays', async () => {
    const p = provider({ interruptionGraceMs: 300 });
    const c = claim();
    const instance = await p.launch(c, never);
    const heard: InterruptionNotice[] = [];
    p.onInterruption((n) => heard.push(n));
    await p.interrupt(instance.id, 'rebalance');
    await new Promise((r) => setTimeout(r, 1000));
    expect(heard.map((n) => n.kind)).toEqual(['rebalance']);
    expect(await readNode(c.nodeName)).toBeDefined();
    await expect(p.interrupt('local://aws/us-east-1/no-such-node')).rejects.toThrow(
      /no such running instance/,
    );
  });

  it('honours the boot delay: the Node appears only after it, and list shows the machine pending meanwhile', async () => {
    const p = provider({ bootDelayMs: 1500 });
    const c = claim();
    const started = Date.now();
    const launching = p.launch(c, never);
    await new Promise((r) => setTimeout(r, 500));
    expect(await readNode(c.nodeName)).toBeUndefined();
    expect((await p.list()).map((i) => [i.nodeName, i.state])).toEqual([[c.nodeName, 'pending']]);
    const instance = await launching;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(instance.state).toBe('running');
    expect(await readNode(c.nodeName)).toBeDefined();
  });

  it('an aborted launch stops during the boot delay and never creates the Node', async () => {
    const p = provider({ bootDelayMs: 1500 });
    const c = claim();
    const abort = new AbortController();
    const started = Date.now();
    const launching = p.launch(c, abort.signal);
    setTimeout(() => abort.abort(new Error('pod deleted')), 200);
    await expect(launching).rejects.toThrow('pod deleted');
    expect(Date.now() - started).toBeLessThan(1500);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await readNode(c.nodeName)).toBeUndefined();
    expect(await p.list()).toEqual([]);
  });

  it('terminating a machine that is still booting cancels it', async () => {
    const p = provider({ bootDelayMs: 1500 });
    const c = claim();
    const launching = p.launch(c, never).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 200));
    const [pending] = await p.list();
    expect(pending?.state).toBe('pending');
    await p.terminate(pending?.id ?? '');
    expect(await launching).toBeInstanceOf(Error);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await readNode(c.nodeName)).toBeUndefined();
  });

  it('refuses an offering of another cloud rather than launching a machine it would not list', async () => {
    const p = provider({ cloud: 'gcp' });
    await expect(p.launch(claim(), never)).rejects.toThrow(/local provider for gcp .* aws\//);
  });
});
