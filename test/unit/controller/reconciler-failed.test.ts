import type { V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { resolvePodPolicy } from '../../../src/controller/policy-resolution.ts';
import type { ClusterView, ClusterWriter } from '../../../src/controller/ports.ts';
import { Reconciler } from '../../../src/controller/reconciler.ts';
import { UnavailableOfferings } from '../../../src/controller/unavailable.ts';
import { createMemoryLedger } from '../../../src/cost/memory-ledger.ts';
import {
  ANNOTATION_POLICY,
  type BerthObject,
  type BerthStatus,
  FINALIZER,
  type NodeProvider,
  type PolicySpec,
} from '../../../src/model/index.ts';
import { createMetrics } from '../../../src/server/metrics.ts';
import { builtInPolicies } from '../../../src/runtime/runtime.ts';
import { testOffering } from '../../fixtures/offering.ts';

/**
 * The reconciler's handling of a pod it cannot place for a reason of input,
 * over in-memory ports (the cluster's caches and writes are the edge here;
 * the integration test placement-input.test.ts runs the same against a real
 * control plane): one Failed Berth and one event per verdict, a retry once
 * the input is fixed, and no machine for a pod that goes away.
 */
class MemoryCluster implements ClusterView, ClusterWriter {
  podMap = new Map<string, V1Pod>();
  berthsByKey = new Map<string, BerthObject>();
  policies = new Map<string, PolicySpec>();
  events: { reason: string; note: string }[] = [];
  /** Berths the watch reported malformed, by key, with the problem. */
  malformed = new Map<string, string>();
  berthEvents: string[] = [];
  writes: string[] = [];

  pod(namespace: string, name: string) {
    return this.podMap.get(`${namespace}/${name}`);
  }
  berth(namespace: string, name: string) {
    const key = `${namespace}/${name}`;
    return this.malformed.has(key) ? undefined : this.berthsByKey.get(key);
  }
  malformedBerth(namespace: string, name: string) {
    return this.malformed.get(`${namespace}/${name}`);
  }
  node() {
    return undefined;
  }
  berths() {
    return [...this.berthsByKey.values()];
  }
  pods() {
    return [...this.podMap.values()];
  }
  async readPod(namespace: string, name: string) {
    return this.pod(namespace, name);
  }
  nodes() {
    return [];
  }
  policy(namespace: string, name: string) {
    return this.policies.get(`${namespace}/${name}`);
  }
  daemonSets() {
    return [];
  }
  async createBerth(berth: BerthObject) {
    this.writes.push('createBerth');
    const key = `${berth.metadata.namespace}/${berth.metadata.name}`;
    const existing = this.berthsByKey.get(key);
    if (existing) return existing;
    this.berthsByKey.set(key, structuredClone(berth));
    return berth;
  }
  async patchBerthSpec(namespace: string, name: string, spec: Partial<BerthObject['spec']>) {
    this.writes.push('patchBerthSpec');
    const b = this.berth(namespace, name)!;
    b.spec = { ...b.spec, ...spec };
    for (const [k, v] of Object.entries(spec))
      if (v === undefined) delete (b.spec as unknown as Record<string, unknown>)[k];
  }
  async patchBerthStatus(namespace: string, name: string, status: Partial<BerthStatus>) {
    this.writes.push(`status:${status.phase}`);
    const b = this.berth(namespace, name)!;
    b.status = { ...(b.status ?? { phase: 'Pending' }), ...status };
  }
  async releaseBerth(namespace: string, name: string, last?: { status: Partial<BerthStatus> }) {
    this.writes.push(last ? `release:${last.status.phase}` : 'release');
    const b = this.berth(namespace, name);
    if (!b) return;
    b.metadata.finalizers = [];
    if (last) b.status = { ...(b.status ?? { phase: 'Pending' }), ...last.status };
  }
  async deleteBerth(namespace: string, name: string) {
    this.berthsByKey.delete(`${namespace}/${name}`);
  }
  async bind() {
    this.writes.push('bind');
  }
  async deleteNode() {
    this.writes.push('deleteNode');
  }
  async tolerate() {
    this.writes.push('tolerate');
  }
  async cordon() {}
  async evict() {}
  async event(_pod: V1Pod, _type: string, reason: string, note: string) {
    this.events.push({ reason, note });
  }
  async berthEvent(berth: { namespace: string; name: string }, _type: string, reason: string) {
    this.berthEvents.push(`${berth.namespace}/${berth.name} ${reason}`);
  }
}

function setup() {
  const cluster = new MemoryCluster();
  const provider = { launched: 0, terminated: 0 };
  const nodeProvider: NodeProvider = {
    cloud: 'aws',
    reach: {
      cloud: 'aws',
      regions: ['us-east-1'],
      capacityTypes: ['on-demand', 'spot'],
      serverless: [],
      archs: ['amd64', 'arm64'],
      cannotHost: [],
    },
    async launch() {
      provider.launched++;
      throw new Error('not in this test');
    },
    async terminate() {
      provider.terminated++;
    },
    async list() {
      return [];
    },
  };
  const ledger = createMemoryLedger();
  const queued: string[] = [];
  const reconciler = new Reconciler({
    view: cluster,
    writer: cluster,
    provider: nodeProvider,
    ledger,
    engine: new PlacementEngine([testOffering({ capacityType: 'on-demand' })]),
    unavailable: new UnavailableOfferings(60_000),
    resolvePolicy: (pod) => resolvePodPolicy(pod, cluster, builtInPolicies, 'default'),
    metrics: createMetrics(),
    log: pino({ level: 'silent' }),
    requeue: (key) => queued.push(key),
    requeueAfter: () => {},
    options: { owner: 'berth', readyTimeoutMs: 60_000 },
  });
  return { cluster, provider, ledger, reconciler, queued };
}

function pod(name: string, over: { policy?: string; cpu?: string } = {}): V1Pod {
  return {
    metadata: {
      name,
      namespace: 'team',
      uid: `uid-${name}`,
      ...(over.policy ? { annotations: { [ANNOTATION_POLICY]: over.policy } } : {}),
    },
    spec: {
      schedulerName: 'berth',
      containers: [{ name: 'c', resources: { requests: { cpu: over.cpu ?? '500m', memory: '1Gi' } } }],
    },
    status: { phase: 'Pending' },
  };
}

describe('Reconciler: a pod it cannot place for a reason of input', () => {
  it('gets one Failed Berth and one event, however often it is reconciled, and is placed once its policy appears', async () => {
    const { cluster, reconciler } = setup();
    cluster.podMap.set('team/waits', pod('waits', { policy: 'later' }));
    for (let i = 0; i < 3; i++) await reconciler.reconcile('team/waits');
    const failed = cluster.berth('team', 'waits')!;
    expect(failed.status).toMatchObject({ phase: 'Failed', reason: 'InvalidPlacementInput' });
    expect(failed.status?.message).toMatch(
      /metadata\.annotations\["berth\.dev\/policy"\]: policy "later" not found/,
    );
    expect(failed.status?.timestamps?.Failed).toBeDefined();
    expect(failed.spec).toMatchObject({
      policy: 'later',
      fallbacks: [],
      explanation: failed.status?.message,
    });
    expect(failed.metadata.finalizers).toEqual([FINALIZER]);
    expect(cluster.events.map((e) => e.reason)).toEqual(['InvalidPlacementInput']);
    // Born Failed: the verdict is in the create, one write.
    expect(cluster.writes).toEqual(['createBerth']);
    expect(reconciler.unplaced.has('team/waits')).toBe(true);

    cluster.policies.set('team/later', { capacityTypes: ['on-demand'] });
    await reconciler.reconcile('team/waits');
    const placed = cluster.berth('team', 'waits')!;
    expect(placed.spec.offering?.instanceType).toBe('m5.large');
    expect(placed.status).toMatchObject({ phase: 'Pending', reason: '', message: '' });
    expect(reconciler.unplaced.has('team/waits')).toBe(false);
  });

  it('a fixed input that still fits nothing says NoFit instead of Failed', async () => {
    const { cluster, reconciler } = setup();
    cluster.podMap.set('team/big', pod('big', { policy: 'later', cpu: '64' }));
    await reconciler.reconcile('team/big');
    expect(cluster.berth('team', 'big')?.status?.phase).toBe('Failed');
    cluster.policies.set('team/later', {});
    await reconciler.reconcile('team/big');
    expect(cluster.berth('team', 'big')?.status).toMatchObject({ phase: 'Pending', reason: 'NoFit' });
    expect(cluster.events.map((e) => e.reason)).toEqual(['InvalidPlacementInput', 'NoFit']);
  });

  it('tears a Failed Berth down without touching a machine or the ledger when the pod goes, releasing it in the same write', async () => {
    const { cluster, provider, ledger, reconciler } = setup();
    cluster.podMap.set('team/huge', pod('huge', { cpu: '10000000' }));
    await reconciler.reconcile('team/huge');
    expect(cluster.berth('team', 'huge')?.status?.message).toMatch(
      /spec\.containers\[0\]\.resources\.requests\.cpu: 10000000 is more than any machine/,
    );
    cluster.podMap.delete('team/huge');
    await reconciler.reconcile('team/huge'); // teardown, and release with it
    expect(cluster.berth('team', 'huge')?.status).toMatchObject({
      phase: 'Terminated',
      reason: 'PodDeleted',
    });
    expect(cluster.berth('team', 'huge')?.metadata.finalizers).toEqual([]);
    expect(cluster.writes.filter((w) => w.startsWith('release'))).toEqual(['release:Terminated']);
    await reconciler.reconcile('team/huge'); // nothing left to do
    expect(cluster.writes.filter((w) => w.startsWith('release'))).toEqual(['release:Terminated']);
    expect(provider).toEqual({ launched: 0, terminated: 0 });
    expect(cluster.writes).not.toContain('deleteNode');
    expect(await ledger.list({ namespace: 'team' })).toEqual([]);
    expect(reconciler.unplaced.has('team/huge')).toBe(false);
  });
});

describe('Reconciler: a Berth someone broke by hand', () => {
  const problem = 'Berth team/edited: spec.fallbacks: Expected array';

  it('is reported once on its pod, and the pod is left alone until the Berth is fixed', async () => {
    const { cluster, provider, reconciler } = setup();
    cluster.podMap.set('team/edited', pod('edited'));
    cluster.malformed.set('team/edited', problem);
    for (let i = 0; i < 3; i++) await reconciler.reconcile('team/edited');
    expect(cluster.events.map((e) => e.reason)).toEqual(['MalformedBerth']);
    expect(cluster.events[0]?.note).toContain(problem);
    expect(cluster.writes).toEqual([]);
    expect(provider).toEqual({ launched: 0, terminated: 0 });

    // A different problem is news; the same one again is not.
    cluster.malformed.set('team/edited', `${problem}!`);
    await reconciler.reconcile('team/edited');
    await reconciler.reconcile('team/edited');
    expect(cluster.events.map((e) => e.reason)).toEqual(['MalformedBerth', 'MalformedBerth']);

    // Deleted (or fixed): the pod is decided as any other.
    cluster.malformed.delete('team/edited');
    await reconciler.reconcile('team/edited');
    expect(cluster.berth('team', 'edited')?.spec.offering?.instanceType).toBe('m5.large');
  });

  it('without a pod is reported on the Berth itself', async () => {
    const { cluster, reconciler } = setup();
    cluster.malformed.set('team/orphan', problem);
    await reconciler.reconcile('team/orphan');
    await reconciler.reconcile('team/orphan');
    expect(cluster.berthEvents).toEqual(['team/orphan MalformedBerth']);
    expect(cluster.events).toEqual([]);
    expect(cluster.writes).toEqual([]);
    // Its pod shows up later: told once as well.
    cluster.podMap.set('team/orphan', pod('orphan'));
    await reconciler.reconcile('team/orphan');
    await reconciler.reconcile('team/orphan');
    expect(cluster.events.map((e) => e.reason)).toEqual(['MalformedBerth']);
    expect(cluster.berthEvents).toHaveLength(1);
  });
});
