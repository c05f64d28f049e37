import { CustomObjectsApi, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import {
  GROUP,
  LABEL_CAPACITY_TYPE,
  LABEL_INSTANCE_TYPE,
  LABEL_POD_UID,
  POLICY_PLURAL,
  TAINT_DEDICATED,
} from '../../src/model/index.ts';
import { rootVolumePricePerHour } from '../../src/placement/root-volume.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { berthPod, core, getBerth, kc, nodeExists, startBerth, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

describe('controller: one pod, its whole life', () => {
  let berth: Runtime;
  let ns: string;
  // The controller's log at the default level, as an operator would read it.
  const logLines: { msg?: string; pod?: string }[] = [];
  beforeAll(async () => {
    berth = await startBerth({
      log: pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) }),
    });
    ns = await freshNamespace(core, 'life');
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('buys a dedicated node, binds the pod, and tears everything down when it succeeds', async () => {
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('job-1', { completeAfter: '3s', labels: { team: 'ci' } }),
    });
    const uid = created.metadata!.uid!;

    const bound = await waitBerth(ns, 'job-1', 'Bound', (b) => b.status?.phase === 'Bound');
    expect(bound.spec.pod.uid).toBe(uid);
    expect(bound.spec.offering?.pricePerHour).toBeGreaterThan(0);
    const nodeName = bound.status!.nodeName!;

    const node = await core.readNode({ name: nodeName });
    expect(node.spec?.taints).toContainEqual(
      expect.objectContaining({ key: TAINT_DEDICATED, value: uid, effect: 'NoSchedule' }),
    );
    expect(node.metadata?.labels?.[LABEL_POD_UID]).toBe(uid);
    expect(node.metadata?.labels?.[LABEL_INSTANCE_TYPE]).toBe(bound.spec.offering?.instanceType);
    expect(node.metadata?.labels?.[LABEL_CAPACITY_TYPE]).toBe(bound.spec.offering?.capacityType);

    const running = await waitPod(ns, 'job-1', 'Running', (p) => p.status?.phase === 'Running');
    expect(running.spec?.nodeName).toBe(nodeName);

    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: `involvedObject.name=job-1`,
    });
    expect(events.items.map((e) => e.reason)).toContain('Placed');

    await waitPod(ns, 'job-1', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    const done = await waitBerth(ns, 'job-1', 'Terminated', (b) => b.status?.phase === 'Terminated');
    expect(done.status?.reason).toBe('PodSucceeded');
    await waitFor('node deleted', async () => ((await nodeExists(nodeName)) ? undefined : true));
    const about = (msg: string) => logLines.filter((l) => l.msg === msg && l.pod === `${ns}/job-1`);
    expect(about('placed')).toHaveLength(1);
    expect(about('torn down')).toHaveLength(1);

    const intervals = await berth.ledger.list({ namespace: ns });
    expect(intervals).toHaveLength(1);
    expect(intervals[0]).toMatchObject({
      pod: { uid, name: 'job-1' },
      labels: { team: 'ci' },
      instanceType: bound.spec.offering?.instanceType,
    });

    // The Berth keeps its finalizer while the pod exists, and goes with the pod.
    await core.deleteNamespacedPod({ namespace: ns, name: 'job-1' });
    await waitFor(
      'Berth gone after the pod',
      async () => ((await getBerth(ns, 'job-1')) ? undefined : true),
      60_000,
    );
  });

  it('launches the node with the disk and kubelet maxPods the decision priced', async () => {
    const body = berthPod('scratch', { completeAfter: '2s' });
    body.spec!.containers[0]!.resources!.requests!['ephemeral-storage'] = '30Gi';
    await core.createNamespacedPod({ namespace: ns, body });
    const bound = await waitBerth(ns, 'scratch', 'Bound', (b) => b.status?.phase === 'Bound');
    const settings = bound.spec.node;
    // 30Gi of scratch plus the image and system reserve: more than the 20 GiB minimum.
    expect(settings?.rootVolumeGiB).toBeGreaterThan(30);
    const node = await core.readNode({ name: bound.status!.nodeName! });
    expect(node.status?.capacity?.['ephemeral-storage']).toBe(`${settings?.rootVolumeGiB}Gi`);
    expect(node.status?.allocatable?.pods).toBe(String(settings?.maxPods));
    expect(settings?.maxPods).toBeLessThan(20);
  });
});

describe('controller: policies', () => {
  let berth: Runtime;
  let ns: string;
  const custom = kc.makeApiClient(CustomObjectsApi);
  const policyRef = (name: string) => ({
    group: GROUP,
    version: 'v1alpha1',
    plural: POLICY_PLURAL,
    namespace: ns,
    name,
  });
  beforeAll(async () => {
    berth = await startBerth();
    ns = await freshNamespace(core, 'policy');
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('records whether a PlacementPolicy is usable in its Valid condition', async () => {
    const body = (name: string, spec: object) => ({
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'PlacementPolicy',
      metadata: { name },
      spec,
    });
    await custom.createNamespacedCustomObject({
      ...policyRef(''),
      body: body('good', { capacityTypes: ['on-demand'] }),
    });
    await custom.createNamespacedCustomObject({
      ...policyRef(''),
      body: body('broken', { instanceTypePattern: '(' }),
    });
    const condition = (name: string) =>
      waitFor(`${name} Valid condition`, async () => {
        const p = (await custom.getNamespacedCustomObject(policyRef(name))) as {
          status?: { conditions?: { type: string; status: string; message: string }[] };
        };
        return p.status?.conditions?.find((c) => c.type === 'Valid');
      });
    expect((await condition('good')).status).toBe('True');
    const broken = await condition('broken');
    expect(broken.status).toBe('False');
    expect(broken.message).toMatch(/instanceTypePattern/);
  });

  it('a pod that fits nothing says why, and is placed once its policy allows it (no busy loop)', async () => {
    const body = {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'PlacementPolicy',
      metadata: { name: 'frugal' },
      spec: { maxPricePerHour: 0.0001 },
    };
    await custom.createNamespacedCustomObject({ ...policyRef(''), body });
    await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('thrifty', { annotations: { 'berth.dev/policy': 'frugal' } }),
    });
    const pending = await waitBerth(ns, 'thrifty', 'NoFit', (b) => b.status?.reason === 'NoFit');
    expect(pending.spec.offering).toBeUndefined();
    expect(pending.status?.message).toMatch(/0\.0001|price/i);
    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=thrifty',
    });
    expect(events.items.map((e) => e.reason)).toContain('NoFit');

    await custom.patchNamespacedCustomObject(
      { ...policyRef('frugal'), body: { spec: { maxPricePerHour: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const bound = await waitBerth(ns, 'thrifty', 'Bound', (b) => b.status?.phase === 'Bound');
    expect(bound.spec.offering?.pricePerHour).toBeLessThanOrEqual(5);
  });
});

describe('controller: negotiated prices', () => {
  it('applies price multipliers to the catalog it decides with', async () => {
    const scheduler = 'berth-discount';
    const discounted = await startBerth({
      schedulerName: scheduler,
      multipliers: { capacityType: { 'on-demand': 0.5 } },
    });
    try {
      const ns = await freshNamespace(core, 'discount');
      const body = berthPod('p', {
        annotations: { 'berth.dev/policy': 'on-demand-only' },
        schedulerName: scheduler,
      });
      await core.createNamespacedPod({ namespace: ns, body });
      const b = await waitBerth(ns, 'p', 'Bound', (x) => x.status?.phase === 'Bound');
      const o = b.spec.offering!;
      const listed = loadCatalog({ clouds: ['aws'], regions: ['us-east-1'] }).offerings.find(
        (x) => x.id === o.id,
      )!;
      expect(o.capacityType).toBe('on-demand');
      // The discounted machine plus its root volume (no scratch space: the 20 GiB minimum, undiscounted).
      expect(o.pricePerHour).toBeCloseTo(listed.pricePerHour * 0.5 + rootVolumePricePerHour(o.cloud, 20), 10);
    } finally {
      await discounted.stop();
    }
  });
});
