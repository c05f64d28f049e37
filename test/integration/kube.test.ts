import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ApiextensionsV1Api,
  CertificatesV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  KubernetesObjectApi,
  type KubernetesObject,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  V1MicroTime,
  type V1Pod,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { apiStatus } from '../../src/kube/api-errors.ts';
import { BerthClient, newBerth } from '../../src/kube/berths.ts';
import { bindPod } from '../../src/kube/binding.ts';
import { installCrds } from '../../src/kube/crds.ts';
import { cordonNode, evictPod } from '../../src/kube/eviction.ts';
import { createEventRecorder, recordEvent } from '../../src/kube/events.ts';
import { watchResources } from '../../src/kube/informer.ts';
import { LeaderElector } from '../../src/kube/leader.ts';
import { watchBerthPods, watchBerths } from '../../src/kube/watches.ts';
import { countingKubeConfig, WriteCounter } from '../../src/kube/write-counter.ts';
import {
  ANNOTATION_KWOK_NODE,
  type BerthObject,
  FINALIZER,
  GROUP,
  LABEL_CLUSTER,
  type PlacedOffering,
} from '../../src/model/index.ts';
import { freshNamespace, kubeConfig, waitFor } from './helpers.ts';
import { csrRequest, nodeSubject } from '../fixtures/kubelet-csr.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);
const logger = pino({ level: 'silent' });

const offering: PlacedOffering = {
  id: 'aws/us-east-1/us-east-1a/m7g.large/spot',
  cloud: 'aws',
  region: 'us-east-1',
  zone: 'us-east-1a',
  instanceType: 'm7g.large',
  capacityType: 'spot',
  pricePerHour: 0.0312,
  onDemandPricePerHour: 0.0816,
  source: { kind: 'embedded', origin: 'test', estimated: true },
};

// A scheduler name no controller of another test file serves: pods left here must never be placed by one.
const TEST_SCHEDULER = 'berth-kube-test';

async function berthPod(namespace: string, name: string, schedulerName = TEST_SCHEDULER): Promise<V1Pod> {
  return core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { team: 'ml' } },
      spec: { schedulerName, containers: [{ name: 'c', image: 'busybox' }] },
    },
  });
}

function podRef(pod: V1Pod): { name: string; namespace: string; uid: string } {
  const { name, namespace, uid } = pod.metadata ?? {};
  if (!name || !namespace || !uid) throw new Error('pod without name, namespace or uid');
  return { name, namespace, uid };
}

async function kwokNode(name: string): Promise<void> {
  await core.createNode({
    body: {
      metadata: {
        name,
        annotations: { [ANNOTATION_KWOK_NODE]: 'fake' },
        labels: { 'kubernetes.io/arch': 'arm64' },
      },
      status: {
        allocatable: { cpu: '2', memory: '8Gi', pods: '110' },
        capacity: { cpu: '2', memory: '8Gi', pods: '110' },
      },
    },
  });
}

/** What the API server said when it refused `fn`. */
async function rejection(fn: () => Promise<unknown>): Promise<{ code: number; message: string }> {
  try {
    await fn();
  } catch (err) {
    const s = apiStatus(err);
    if (s) return s;
    throw err;
  }
  throw new Error('expected the API server to refuse this');
}

/** A KubeConfig that authenticates as a ServiceAccount, with a token the API server just issued. */
async function serviceAccountConfig(namespace: string, name: string): Promise<KubeConfig> {
  const req = await core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster();
  if (!cluster || !req.status?.token) throw new Error('no cluster or no token');
  const sa = new KubeConfig();
  sa.loadFromOptions({
    clusters: [cluster],
    users: [{ name: 'sa', token: req.status.token }],
    contexts: [{ name: 'sa', cluster: cluster.name, user: 'sa' }],
    currentContext: 'sa',
  });
  return sa;
}

beforeAll(async () => {
  await installCrds(kc);
});

describe('CRDs', () => {
  it('install, are Established, and installing again changes nothing', async () => {
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const names = await installCrds(kc);
    expect(names.sort()).toEqual([`berths.${GROUP}`, `placementpolicies.${GROUP}`]);
    const before = await Promise.all(names.map((name) => ext.readCustomResourceDefinition({ name })));
    await installCrds(kc);
    for (const [i, name] of names.entries()) {
      const crd = await ext.readCustomResourceDefinition({ name });
      expect(crd.status?.conditions?.find((c) => c.type === 'Established')?.status).toBe('True');
      // Server-side apply of the same manifest is a no-op: no new generation, no new write.
      expect(crd.metadata?.generation).toBe(before[i]?.metadata?.generation);
      expect(crd.metadata?.resourceVersion).toBe(before[i]?.metadata?.resourceVersion);
    }
  });

  it('reject a malformed PlacementPolicy, naming the field', async () => {
    const ns = await freshNamespace(core, 'policy');
    const create = (name: string, spec: Record<string, unknown>) => () =>
      custom.createNamespacedCustomObject({
        group: GROUP,
        version: 'v1alpha1',
        namespace: ns,
        plural: 'placementpolicies',
        body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'PlacementPolicy', metadata: { name }, spec },
      });

    const wrongType = await rejection(create('wrong-type', { clouds: 'aws' }));
    expect(wrongType.code).toBe(422);
    expect(wrongType.message).toMatch(/spec\.clouds.*must be of type array/);

    const badEnum = await rejection(create('bad-enum', { clouds: ['aws', 'ibm'] }));
    expect(badEnum.code).toBe(422);
    expect(badEnum.message).toMatch(/spec\.clouds\[1\].*Unsupported value: "ibm"/);

    const negative = await rejection(create('negative', { maxPricePerHour: -0.5 }));
    expect(negative.message).toMatch(/spec\.maxPricePerHour.*greater than 0/);
    // Exclusive: zero is not a price cap either.
    expect((await rejection(create('zero', { maxPricePerHour: 0 }))).message).toMatch(
      /spec\.maxPricePerHour/,
    );

    const band = await rejection(create('band', { spot: { maxInterruptionBand: 7 } }));
    expect(band.message).toMatch(/spec\.spot\.maxInterruptionBand.*less than or equal to 4/);

    const good = {
      clouds: ['aws', 'gcp'],
      capacityTypes: ['spot'],
      maxPricePerHour: 0.5,
      spot: { maxInterruptionBand: 2, riskWeight: 1 },
      rightSizing: { mode: 'request', headroomPercent: 10, min: { cpu: '250m' } },
    };
    await create('good', good)();
    const stored = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      namespace: ns,
      plural: 'placementpolicies',
      name: 'good',
    })) as { spec: unknown };
    expect(stored.spec).toEqual(good);
  });

  it('list berths as kubectl does, with the printer columns', async () => {
    const ns = await freshNamespace(core, 'table');
    const pod = await berthPod(ns, 'trainer');
    const berths = new BerthClient(kc);
    await berths.create({
      ...newBerth(
        { metadata: podRef(pod) },
        {
          policy: 'default',
          offering: { ...offering, hourlyPrice: '0.0312' },
          fallbacks: [],
          explanation: 'cheapest spot arm64',
        },
      ),
      status: { phase: 'Bound', nodeName: 'berth-node-1', reason: 'NodeNotReady', message: 'replaced once' },
    });
    const table = (await custom.listNamespacedCustomObject(
      { group: GROUP, version: 'v1alpha1', namespace: ns, plural: 'berths' },
      setHeaderOptions('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io'),
    )) as {
      kind: string;
      columnDefinitions: { name: string; priority: number }[];
      rows: { cells: unknown[] }[];
    };
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Pod',
      'Phase',
      'Reason',
      'Type',
      'Capacity',
      '$/Hour',
      'Cloud',
      'Node',
      'Message',
      'Age',
    ]);
    // Cloud, Node and Message only with -o wide.
    expect(table.columnDefinitions.filter((c) => c.priority === 1).map((c) => c.name)).toEqual([
      'Cloud',
      'Node',
      'Message',
    ]);
    expect(table.rows[0]?.cells.slice(0, 10)).toEqual([
      'trainer',
      'trainer',
      'Bound',
      'NodeNotReady',
      'm7g.large',
      'spot',
      '0.0312',
      'aws',
      'berth-node-1',
      'replaced once',
    ]);
  });
});

describe('BerthClient', () => {
  it('creates, patches, adds and removes finalizers and deletes, each write idempotent', async () => {
    const ns = await freshNamespace(core, 'berth');
    const pod = await berthPod(ns, 'job-1');
    const counter = new WriteCounter();
    const berths = new BerthClient(countingKubeConfig(kc, counter));
    const intent = newBerth(
      { metadata: podRef(pod) },
      { policy: 'default', fallbacks: [], explanation: 'none yet' },
    );

    const created = await berths.create(intent);
    expect(created.metadata.uid).toBeTruthy();
    expect(created.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Pod', uid: pod.metadata?.uid });
    expect(created.metadata.finalizers).toEqual([FINALIZER]);
    // Creating again returns what is stored rather than failing or making a second one.
    expect((await berths.create(intent)).metadata.uid).toBe(created.metadata.uid);

    await berths.patchStatus(ns, 'job-1', {
      phase: 'Pending',
      timestamps: { Pending: '2025-01-01T00:00:00Z' },
    });
    const launched = await berths.patchStatus(ns, 'job-1', {
      phase: 'Launching',
      attempts: 1,
      timestamps: { Launching: '2025-01-01T00:00:05Z' },
    });
    // A merge patch merges the timestamps map rather than replacing it.
    expect(launched.status).toEqual({
      phase: 'Launching',
      attempts: 1,
      timestamps: { Pending: '2025-01-01T00:00:00Z', Launching: '2025-01-01T00:00:05Z' },
    });
    const placed = await berths.patchSpec(ns, 'job-1', { offering, fallbacks: [offering] });
    expect(placed.spec.offering?.instanceType).toBe('m7g.large');
    expect(placed.spec.explanation).toBe('none yet');
    // The spec patch did not touch status, and the status patch did not touch spec.
    expect(placed.status?.phase).toBe('Launching');

    expect((await berths.list(ns)).map((b) => b.metadata.name)).toEqual(['job-1']);
    expect((await berths.list()).some((b) => b.metadata.namespace === ns)).toBe(true);

    await berths.addFinalizer(ns, 'job-1'); // already there: no write
    await berths.addFinalizer(ns, 'job-1', 'example.com/other');
    expect((await berths.get(ns, 'job-1'))?.metadata.finalizers).toEqual([FINALIZER, 'example.com/other']);
    await berths.removeFinalizer(ns, 'job-1', 'example.com/other');
    await berths.removeFinalizer(ns, 'job-1', 'example.com/other'); // absent: no write

    await berths.delete(ns, 'job-1');
    const deleting = await berths.get(ns, 'job-1');
    expect(deleting?.metadata.deletionTimestamp).toBeTruthy(); // held by our finalizer
    await berths.removeFinalizer(ns, 'job-1');
    await waitFor('berth gone', async () => ((await berths.get(ns, 'job-1')) ? undefined : true));
    expect(await berths.removeFinalizer(ns, 'job-1')).toBeUndefined(); // gone: fine
    await berths.delete(ns, 'job-1'); // gone: fine

    // Berths have no status subresource: status patches are patches of the Berth.
    expect(counter.snapshot()).toEqual({
      'create berths.berth.dev': 2,
      'delete berths.berth.dev': 2,
      'patch berths.berth.dev': 6,
    });
  });

  it('creates a Berth with its first phase in one write', async () => {
    const ns = await freshNamespace(core, 'berth-born');
    const pod = await berthPod(ns, 'p');
    const counter = new WriteCounter();
    const berths = new BerthClient(countingKubeConfig(kc, counter));
    const born = await berths.create({
      ...newBerth({ metadata: podRef(pod) }, { policy: 'default', fallbacks: [], explanation: '' }),
      status: { phase: 'Launching', attempts: 0, timestamps: { Launching: '2025-01-01T00:00:05Z' } },
    });
    expect(born.status).toEqual({
      phase: 'Launching',
      attempts: 0,
      timestamps: { Launching: '2025-01-01T00:00:05Z' },
    });
    expect((await berths.get(ns, 'p'))?.status?.phase).toBe('Launching');
    expect(counter.snapshot()).toEqual({ 'create berths.berth.dev': 1 });
  });

  it('deletes by uid only the Berth it means', async () => {
    const ns = await freshNamespace(core, 'berth-uid');
    const pod = await berthPod(ns, 'p');
    const berths = new BerthClient(kc);
    const b = await berths.create(
      newBerth({ metadata: podRef(pod) }, { policy: 'default', fallbacks: [], explanation: '' }),
    );
    await berths.delete(ns, 'p', { uid: 'not-this-one' });
    expect((await berths.get(ns, 'p'))?.metadata.deletionTimestamp).toBeUndefined();
    await berths.delete(ns, 'p', { uid: b.metadata.uid });
    expect((await berths.get(ns, 'p'))?.metadata.deletionTimestamp).toBeTruthy();
  });

  it('rejects a Berth whose spec does not match the schema', async () => {
    const ns = await freshNamespace(core, 'berth-bad');
    const pod = await berthPod(ns, 'p');
    const berths = new BerthClient(kc);
    const bad = newBerth({ metadata: podRef(pod) }, { policy: 'x', fallbacks: [], explanation: '' });
    const wrong = {
      ...bad,
      spec: { ...bad.spec, offering: { ...offering, cloud: 'oracle' } },
    } as unknown as BerthObject;
    const refused = await rejection(() => berths.create(wrong));
    expect(refused.message).toMatch(/spec\.offering\.cloud.*Unsupported value: "oracle"/);
  });
});

describe('binding, eviction, events', () => {
  let ns: string;
  beforeAll(async () => {
    ns = await freshNamespace(core, 'bind');
  });

  it('binds a pod to its node; binding again to the same node is a success, elsewhere an error', async () => {
    const node = `berth-bind-${randomUUID().slice(0, 6)}`;
    const other = `berth-other-${randomUUID().slice(0, 6)}`;
    await kwokNode(node);
    await kwokNode(other);
    const pod = podRef(await berthPod(ns, 'to-bind'));

    expect(await bindPod(core, pod, node)).toBe('bound');
    expect(await bindPod(core, pod, node)).toBe('already-bound');
    expect((await rejection(() => bindPod(core, pod, other))).code).toBe(409);
    const running = await waitFor('pod Running on its node', async () => {
      const p = await core.readNamespacedPod({ name: 'to-bind', namespace: ns });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(running.spec?.nodeName).toBe(node);
  });

  it('never binds a newer pod of the same name (uid precondition)', async () => {
    const node = `berth-uid-${randomUUID().slice(0, 6)}`;
    await kwokNode(node);
    const old = podRef(await berthPod(ns, 'reborn'));
    await core.deleteNamespacedPod({ name: 'reborn', namespace: ns, gracePeriodSeconds: 0 });
    await waitFor('old pod gone', async () =>
      (await core.readNamespacedPod({ name: 'reborn', namespace: ns }).catch(() => undefined))
        ? undefined
        : true,
    );
    await berthPod(ns, 'reborn');
    expect((await rejection(() => bindPod(core, old, node))).code).toBe(409);
    expect((await core.readNamespacedPod({ name: 'reborn', namespace: ns })).spec?.nodeName).toBeUndefined();
  });

  it('cordons a node and evicts its pod; a missing pod or node is fine', async () => {
    const node = `berth-evict-${randomUUID().slice(0, 6)}`;
    await kwokNode(node);
    const pod = podRef(await berthPod(ns, 'to-evict'));
    await bindPod(core, pod, node);
    expect(await cordonNode(core, node)).toBe(true);
    expect(await cordonNode(core, node)).toBe(true);
    expect((await core.readNode({ name: node })).spec?.unschedulable).toBe(true);
    expect(await cordonNode(core, 'no-such-node')).toBe(false);
    expect(await evictPod(core, ns, 'to-evict')).toBe('evicted');
    await waitFor('evicted pod deleted', async () => {
      const p = await core.readNamespacedPod({ name: 'to-evict', namespace: ns }).catch(() => undefined);
      return !p || p.metadata?.deletionTimestamp ? true : undefined;
    });
    expect(await evictPod(core, ns, 'no-such-pod')).toBe('gone');
  });

  it('records an Event on a pod that kubectl describe would show, folding repeats', async () => {
    const pod = podRef(await berthPod(ns, 'with-event'));
    const recorder = createEventRecorder(kc, { logger });
    const ev = {
      regarding: { kind: 'Pod', apiVersion: 'v1', ...pod },
      type: 'Normal' as const,
      reason: 'Launched',
      note: 'launched m7g.large spot in us-east-1a for $0.0312/h',
      action: 'Launch',
    };
    await recorder.record(ev);
    await recorder.record(ev);
    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: `involvedObject.uid=${pod.uid}`,
    });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      type: 'Normal',
      reason: 'Launched',
      message: ev.note,
      action: 'Launch',
      count: 2,
      reportingComponent: 'berth',
      source: { component: 'berth' },
      involvedObject: { kind: 'Pod', name: 'with-event', namespace: ns, uid: pod.uid },
    });
  });

  it('recordEvent never throws, even when the API server refuses the event', async () => {
    await expect(
      recordEvent(kc, {
        regarding: { kind: 'Pod', namespace: `missing-${randomUUID().slice(0, 6)}`, name: 'x' },
        type: 'Warning',
        reason: 'Nope',
        note: 'the namespace does not exist',
        action: 'Test',
      }),
    ).resolves.toBeUndefined();
  });
});

describe('leader election', () => {
  it('of two electors only one leads, and release hands over within seconds', async () => {
    const ns = await freshNamespace(core, 'lease');
    const log: string[] = [];
    const make = (id: string) =>
      new LeaderElector(kc, {
        namespace: ns,
        name: 'berth-controller',
        identity: id,
        logger,
        onStartedLeading: (signal) => {
          log.push(`${id} started`);
          signal.addEventListener('abort', () => log.push(`${id} aborted`));
        },
        onStoppedLeading: () => log.push(`${id} stopped`),
      });
    const a = make('a');
    const b = make('b');
    a.start();
    await waitFor('a leads', async () => (a.isLeader ? true : undefined));
    b.start();
    // Several of b's retries (every 2 s) and a's renewals (every 5 s) later, a still leads alone.
    await new Promise((r) => setTimeout(r, 5500));
    expect([a.isLeader, b.isLeader]).toEqual([true, false]);
    const coordination = kc.makeApiClient(CoordinationV1Api);
    const lease = await coordination.readNamespacedLease({ name: 'berth-controller', namespace: ns });
    expect(lease.spec?.holderIdentity).toBe('a');

    const released = Date.now();
    await a.release();
    expect(a.isLeader).toBe(false);
    expect(log).toEqual(['a started', 'a aborted', 'a stopped']);
    await waitFor('b leads', async () => (b.isLeader ? true : undefined), 10_000);
    expect(Date.now() - released).toBeLessThan(4_000);
    const after = await coordination.readNamespacedLease({ name: 'berth-controller', namespace: ns });
    expect(after.spec?.holderIdentity).toBe('b');
    expect(after.spec?.leaseTransitions).toBe(1);
    await b.release();
  });

  it('takes over a lease whose holder stopped renewing, once it has expired on our clock', async () => {
    const ns = await freshNamespace(core, 'lease-expired');
    const coordination = kc.makeApiClient(CoordinationV1Api);
    // A leader that crashed: it holds the lease and will never renew or release it.
    await coordination.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: { name: 'crashed' },
        spec: { holderIdentity: 'ghost', leaseDurationSeconds: 2, renewTime: new V1MicroTime() },
      },
    });
    const started = Date.now();
    const elector = new LeaderElector(kc, {
      namespace: ns,
      name: 'crashed',
      identity: 'heir',
      logger,
      retryIntervalMs: 250,
      onStartedLeading: () => {},
    });
    elector.start();
    await new Promise((r) => setTimeout(r, 1000));
    expect(elector.isLeader).toBe(false); // not before the holder's lease ran out
    await waitFor('heir leads', async () => (elector.isLeader ? true : undefined), 10_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
    const lease = await coordination.readNamespacedLease({ name: 'crashed', namespace: ns });
    expect(lease.spec).toMatchObject({ holderIdentity: 'heir', leaseTransitions: 1 });
    await elector.release();
  });

  it('a leader that cannot renew stops acting before its lease could pass to another', async () => {
    const ns = await freshNamespace(core, 'lease-lost');
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'elector' } } });
    await rbac.createNamespacedRole({
      namespace: ns,
      body: {
        metadata: { name: 'leases' },
        rules: [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'create', 'update'] },
        ],
      },
    });
    await rbac.createNamespacedRoleBinding({
      namespace: ns,
      body: {
        metadata: { name: 'leases' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'leases' },
        subjects: [{ kind: 'ServiceAccount', name: 'elector', namespace: ns }],
      },
    });
    let signal: AbortSignal | undefined;
    const elector = new LeaderElector(await serviceAccountConfig(ns, 'elector'), {
      namespace: ns,
      name: 'lost',
      logger,
      leaseDurationSeconds: 3,
      renewIntervalMs: 500,
      retryIntervalMs: 250,
      onStartedLeading: (s) => {
        signal = s;
      },
    });
    elector.start();
    await waitFor('leading', async () => (elector.isLeader ? true : undefined));
    // Take its permission away: every renewal is now refused.
    const revoked = Date.now();
    await rbac.deleteNamespacedRoleBinding({ name: 'leases', namespace: ns });
    await waitFor('stopped leading', async () => (elector.isLeader ? undefined : true), 10_000);
    const stoppedAfter = Date.now() - revoked;
    expect(signal?.aborted).toBe(true);
    // Renew deadline is 2/3 of the 3 s lease: it stops before anyone else could take over.
    expect(stoppedAfter).toBeLessThan(3_000);
    await elector.release();
  });
});

describe('informer', () => {
  it('sees adds, updates and deletes of berth pods only, and its cache matches the API', async () => {
    const ns = await freshNamespace(core, 'watch');
    await berthPod(ns, 'before');
    const seen: string[] = [];
    const fieldSelector = `spec.schedulerName=${TEST_SCHEDULER}`;
    const watch = watchResources<V1Pod>(
      kc,
      `/api/v1/namespaces/${ns}/pods`,
      () => core.listNamespacedPod({ namespace: ns, fieldSelector }),
      {
        onAdd: (p) => seen.push(`add ${p.metadata?.name}`),
        onUpdate: (p, old) =>
          seen.push(
            p.metadata?.deletionTimestamp
              ? `update ${p.metadata?.name} deleting`
              : `update ${p.metadata?.name} ${old.metadata?.labels?.step ?? '-'}->${p.metadata?.labels?.step}`,
          ),
        onDelete: (p) => seen.push(`delete ${p.metadata?.name}`),
      },
      { fieldSelector, logger, model: 'V1Pod' },
    );
    try {
      await watch.hasSynced();
      expect(watch.synced).toBe(true);
      expect(seen).toEqual(['add before']); // the initial list, before hasSynced resolves
      expect(watch.get(ns, 'before')?.metadata?.creationTimestamp).toBeInstanceOf(Date);

      await berthPod(ns, 'other-scheduler', 'default-scheduler-not-ours');
      await berthPod(ns, 'after');
      await core.patchNamespacedPod(
        { name: 'after', namespace: ns, body: { metadata: { labels: { step: 'two' } } } },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      await core.deleteNamespacedPod({ name: 'before', namespace: ns });
      await waitFor('all events', async () => (seen.includes('delete before') ? true : undefined));
      // The API server may first mark the pod as deleting, then remove it.
      expect(seen.filter((e) => e !== 'update before deleting')).toEqual([
        'add before',
        'add after',
        'update after -->two',
        'delete before',
      ]);
      // Listed and watched objects arrive in the same (typed) shape.
      expect(watch.get(ns, 'before')).toBeUndefined();
      expect(watch.get(ns, 'after')?.metadata?.creationTimestamp).toBeInstanceOf(Date);

      const api = await core.listNamespacedPod({ namespace: ns, fieldSelector });
      const fromApi = api.items.map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`).sort();
      const fromCache = watch.list(ns).map((p) => `${p.metadata?.name}@${p.metadata?.resourceVersion}`);
      expect(fromCache.sort()).toEqual(fromApi);
      expect(watch.get(ns, 'other-scheduler')).toBeUndefined();
    } finally {
      await watch.stop();
    }
  });

  it('keeps retrying after errors and syncs once the API server lets it list', async () => {
    const ns = await freshNamespace(core, 'watch-retry');
    await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'watcher' } } });
    const sa = await serviceAccountConfig(ns, 'watcher');
    const saCore = sa.makeApiClient(CoreV1Api);
    await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'cm' } } });
    const added: string[] = [];
    const watch = watchResources(
      sa,
      `/api/v1/namespaces/${ns}/configmaps`,
      () => saCore.listNamespacedConfigMap({ namespace: ns }),
      { onAdd: (c) => added.push(c.metadata?.name ?? '') },
      { logger, minBackoffMs: 100, maxBackoffMs: 400 },
    );
    try {
      // Forbidden at first: the list fails, and client-node's informer would stop here for good.
      await new Promise((r) => setTimeout(r, 800));
      expect(watch.synced).toBe(false);
      const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
      await rbac.createNamespacedRole({
        namespace: ns,
        body: {
          metadata: { name: 'read' },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['list', 'watch'] }],
        },
      });
      await rbac.createNamespacedRoleBinding({
        namespace: ns,
        body: {
          metadata: { name: 'read' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'read' },
          subjects: [{ kind: 'ServiceAccount', name: 'watcher', namespace: ns }],
        },
      });
      await watch.hasSynced();
      expect(added).toContain('cm');
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: 'later' } } });
      await waitFor('watch delivers after the restart', async () =>
        added.includes('later') ? true : undefined,
      );
    } finally {
      await watch.stop();
    }
  });

  it("watches one installation's Berths (a custom resource) across namespaces, and no other's", async () => {
    const ns = await freshNamespace(core, 'watch-berth');
    const [pod, other] = [await berthPod(ns, 'b1'), await berthPod(ns, 'b2')];
    const names: string[] = [];
    const watch = watchBerths(
      kc,
      TEST_SCHEDULER,
      { onAdd: (b) => names.push(`${b.metadata.namespace}/${b.metadata.name}`) },
      { logger },
    );
    try {
      await watch.hasSynced();
      const berths = new BerthClient(kc);
      const owned = (p: V1Pod, installation: string) => {
        const b = newBerth({ metadata: podRef(p) }, { policy: 'p', fallbacks: [], explanation: '' });
        return { ...b, metadata: { ...b.metadata, labels: { [LABEL_CLUSTER]: installation } } };
      };
      // Another installation's Berth first: once ours is seen, the other would have been too.
      await berths.create(owned(other, 'another-berth'));
      await berths.create(owned(pod, TEST_SCHEDULER));
      await waitFor('berth seen', async () => watch.get(ns, 'b1'));
      expect(names).toContain(`${ns}/b1`);
      expect(names).not.toContain(`${ns}/b2`);
      expect(watch.get(ns, 'b2')).toBeUndefined();
      await berths.patchStatus(ns, 'b1', { phase: 'Launching' });
      await waitFor('status seen', async () =>
        watch.get(ns, 'b1')?.status?.phase === 'Launching' ? true : undefined,
      );
    } finally {
      await watch.stop();
    }
  });
});

describe('deploy/rbac.yaml', () => {
  it("grants the controller's ServiceAccount what it uses, and not more", async () => {
    const objects = KubernetesObjectApi.makeApiClient(kc);
    // The controller's roles, and the local provider's (this test creates its Node as the controller).
    for (const file of ['rbac.yaml', 'rbac-local-provider.yaml']) {
      const text = readFileSync(new URL(`../../deploy/${file}`, import.meta.url), 'utf8');
      for (const doc of parseAllDocuments(text)) {
        const obj = doc.toJS() as KubernetesObject;
        await objects.patch(obj, undefined, undefined, 'berth-test', true, PatchStrategy.ServerSideApply);
      }
    }
    const sa = await serviceAccountConfig('berth-system', 'berth');
    const ns = await freshNamespace(core, 'rbac');
    const saCore = sa.makeApiClient(CoreV1Api);

    // What the controller does, as the controller.
    const pods = watchBerthPods(sa, TEST_SCHEDULER, {}, { logger });
    await pods.hasSynced();
    await pods.stop();
    const pod = podRef(await berthPod(ns, 'p'));
    const node = `berth-rbac-${randomUUID().slice(0, 6)}`;
    await saCore.createNode({
      body: { metadata: { name: node, annotations: { [ANNOTATION_KWOK_NODE]: 'fake' } } },
    });
    const berths = new BerthClient(sa);
    await berths.create(newBerth({ metadata: { ...pod } }, { policy: 'p', fallbacks: [], explanation: '' }));
    await berths.patchStatus(ns, 'p', { phase: 'Registered', nodeName: node });
    expect(await bindPod(saCore, pod, node)).toBe('bound');
    await createEventRecorder(sa, { logger }).record({
      regarding: { kind: 'Pod', ...pod },
      type: 'Normal',
      reason: 'Bound',
      note: 'bound',
      action: 'Bind',
    });
    expect((await core.listNamespacedEvent({ namespace: ns })).items.map((e) => e.reason)).toContain('Bound');
    const elector = new LeaderElector(sa, {
      namespace: 'berth-system',
      name: `rbac-${randomUUID().slice(0, 6)}`,
      logger,
      onStartedLeading: () => {},
    });
    elector.start();
    await waitFor('leading as the ServiceAccount', async () => (elector.isLeader ? true : undefined));
    await elector.release();
    await berths.removeFinalizer(ns, 'p');
    await berths.delete(ns, 'p');
    await saCore.deleteNode({ name: node });

    // Approving a kubelet's CSR (the approver for machines outside a node pool), and no other signer's.
    const admin = kc.makeApiClient(CertificatesV1Api);
    const saCerts = sa.makeApiClient(CertificatesV1Api);
    const approve = async (signerName: string, usage: string) => {
      const name = `rbac-${randomUUID().slice(0, 8)}`;
      const csr = await admin.createCertificateSigningRequest({
        body: {
          metadata: { name },
          spec: {
            request: await csrRequest(nodeSubject(node)),
            signerName,
            usages: ['digital signature', usage],
          },
        },
      });
      expect((await saCerts.listCertificateSigningRequest()).items.map((c) => c.metadata?.name)).toContain(
        name,
      );
      const approved = { type: 'Approved', status: 'True', reason: 'Test', lastUpdateTime: new Date() };
      try {
        await saCerts.replaceCertificateSigningRequestApproval({
          name,
          body: { ...csr, status: { conditions: [approved] } },
        });
        return 200;
      } catch (err) {
        return apiStatus(err)?.code;
      } finally {
        await admin.deleteCertificateSigningRequest({ name });
      }
    };
    expect(await approve('kubernetes.io/kubelet-serving', 'server auth')).toBe(200);
    expect(await approve('kubernetes.io/kube-apiserver-client', 'client auth')).toBe(403);

    // And what it must not do.
    expect((await rejection(() => saCore.listNamespacedSecret({ namespace: ns }))).code).toBe(403);
    expect((await rejection(() => saCore.deleteNamespacedPod({ name: 'p', namespace: ns }))).code).toBe(403);
    expect(
      (
        await rejection(() =>
          sa
            .makeApiClient(CoordinationV1Api)
            .createNamespacedLease({ namespace: ns, body: { metadata: { name: 'x' } } }),
        )
      ).code,
    ).toBe(403);
  });
});
