import { CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { nodeNameFor } from '../../src/controller/claim.ts';
import { ANNOTATION_POLICY, GROUP, LABEL_POD_UID, POLICY_PLURAL } from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { berthPod, core, getBerth, kc, startBerth, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

/**
 * Bad input gets a clear answer: a pod berth cannot place because of what it
 * or its policy says has a Failed Berth naming the field (so `kubectl get
 * berths` lists every berth pod), moves on once the input is fixed, and never
 * buys a machine; a PlacementPolicy is judged against what this controller
 * can buy. Its own scheduler name, so no other file's controller acts here.
 */
const SCHEDULER = 'berth-input';
const custom = kc.makeApiClient(CustomObjectsApi);

function pod(name: string, over: Parameters<typeof berthPod>[1] = {}, edit?: (p: V1Pod) => void): V1Pod {
  const body = berthPod(name, over);
  body.spec!.schedulerName = SCHEDULER;
  edit?.(body);
  return body;
}

async function createPolicy(namespace: string, name: string, spec: object): Promise<void> {
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    plural: POLICY_PLURAL,
    namespace,
    body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'PlacementPolicy', metadata: { name }, spec },
  });
}

interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

function validCondition(
  namespace: string,
  name: string,
  test: (c: Condition) => boolean,
): Promise<Condition> {
  return waitFor(`PlacementPolicy ${namespace}/${name} Valid condition`, async () => {
    const p = (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      plural: POLICY_PLURAL,
      namespace,
      name,
    })) as { status?: { conditions?: Condition[] } };
    const c = p.status?.conditions?.find((x) => x.type === 'Valid');
    return c && test(c) ? c : undefined;
  });
}

async function eventReasons(namespace: string, name: string): Promise<string[]> {
  const events = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return events.items.map((e) => e.reason ?? '');
}

describe('bad placement input', () => {
  let berth: Runtime;
  beforeAll(async () => {
    berth = await startBerth({ schedulerName: SCHEDULER });
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('a pod naming a missing policy has a Failed Berth saying so, and is placed once the policy appears', async () => {
    const ns = await freshNamespace(core, 'input-policy');
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('waits', { completeAfter: '2s', annotations: { [ANNOTATION_POLICY]: 'later' } }),
    });
    const failed = await waitBerth(ns, 'waits', 'Failed', (b) => b.status?.phase === 'Failed');
    expect(failed.status?.reason).toBe('InvalidPlacementInput');
    expect(failed.status?.message).toMatch(
      /metadata\.annotations\["berth\.dev\/policy"\]: policy "later" not found: there is no PlacementPolicy of that name in namespace/,
    );
    expect(failed.spec.offering).toBeUndefined();
    expect(failed.spec.policy).toBe('later');
    expect(await eventReasons(ns, 'waits')).toContain('InvalidPlacementInput');

    await createPolicy(ns, 'later', { capacityTypes: ['on-demand'] });
    const bound = await waitBerth(ns, 'waits', 'Bound', (b) => b.status?.phase === 'Bound');
    expect(bound.spec.policy).toBe('later');
    expect(bound.spec.offering?.capacityType).toBe('on-demand');
    expect(bound.status?.reason).toBe('');
    const running = await waitPod(ns, 'waits', 'bound', (p) => p.spec?.nodeName !== undefined);
    const node = await core.readNode({ name: running.spec!.nodeName! });
    expect(node.metadata?.labels?.[LABEL_POD_UID]).toBe(running.metadata!.uid);
    await waitPod(ns, 'waits', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    await core.deleteNamespacedPod({ namespace: ns, name: 'waits' });
    await waitFor(
      'Berth gone after the pod',
      async () => ((await getBerth(ns, 'waits')) ? undefined : true),
      60_000,
    );
  });

  it('a PlacementPolicy without a spec is found and means every default', async () => {
    const ns = await freshNamespace(core, 'input-bare');
    await custom.createNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      plural: POLICY_PLURAL,
      namespace: ns,
      body: { apiVersion: `${GROUP}/v1alpha1`, kind: 'PlacementPolicy', metadata: { name: 'bare' } },
    });
    expect((await validCondition(ns, 'bare', () => true)).status).toBe('True');
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('plain', { annotations: { [ANNOTATION_POLICY]: 'bare' } }),
    });
    const bound = await waitBerth(ns, 'plain', 'Bound', (b) => b.status?.phase === 'Bound');
    expect(bound.spec.policy).toBe('bare');
    await core.deleteNamespacedPod({ namespace: ns, name: 'plain' });
  });

  it('absurd quantities and a misspelt resource get Failed Berths naming the field; no machine is bought and the finalizer goes with the pod', async () => {
    const ns = await freshNamespace(core, 'input-pods');
    await core.createNamespacedPod({ namespace: ns, body: pod('huge', { cpu: '10000000' }) });
    await core.createNamespacedPod({
      namespace: ns,
      body: pod('typo', {}, (p) => {
        p.spec!.containers[0]!.resources = {
          requests: { cpu: '500m', 'nvidia.com/gpus': '1' },
          limits: { 'nvidia.com/gpus': '1' },
        };
      }),
    });
    await core.createNamespacedPod({ namespace: ns, body: pod('fine', { completeAfter: '60s' }) });

    const huge = await waitBerth(ns, 'huge', 'Failed', (b) => b.status?.phase === 'Failed');
    expect(huge.status?.reason).toBe('InvalidPlacementInput');
    expect(huge.status?.message).toMatch(
      // The API server stores the quantity canonical: 10M.
      /spec\.containers\[0\]\.resources\.requests\.cpu: 10M is more than any machine of any cloud has/,
    );
    const typo = await waitBerth(ns, 'typo', 'Failed', (b) => b.status?.phase === 'Failed');
    expect(typo.status?.message).toMatch(
      /unknown resource "nvidia\.com\/gpus"; did you mean "nvidia\.com\/gpu"\?/,
    );
    await waitBerth(ns, 'fine', 'Bound', (b) => b.status?.phase === 'Bound');

    // What `kubectl get berths` lists: every berth pod, placeable or not.
    const listed = (await custom.listNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      plural: 'berths',
      namespace: ns,
    })) as { items: { metadata: { name: string }; status?: { phase?: string } }[] };
    expect(Object.fromEntries(listed.items.map((b) => [b.metadata.name, b.status?.phase]))).toEqual({
      fine: 'Bound',
      huge: 'Failed',
      typo: 'Failed',
    });

    const uids = [huge.spec.pod.uid, typo.spec.pod.uid];
    for (const name of ['huge', 'typo']) await core.deleteNamespacedPod({ namespace: ns, name });
    for (const name of ['huge', 'typo']) {
      await waitFor(`Berth ${name} released and gone`, async () =>
        (await getBerth(ns, name)) ? undefined : true,
      );
    }
    const machines = await berth.provider.list();
    for (const uid of uids) {
      expect(machines.filter((m) => m.nodeName === nodeNameFor(uid, 0))).toEqual([]);
      expect((await core.listNode({ labelSelector: `${LABEL_POD_UID}=${uid}` })).items).toEqual([]);
    }
    const costs = await berth.ledger.list({ namespace: ns });
    expect(costs.map((c) => c.pod.name)).not.toContain('huge');
    await core.deleteNamespacedPod({ namespace: ns, name: 'fine' });
  });

  it('judges each PlacementPolicy against what the controller can buy, again when the offerings change', async () => {
    const ns = await freshNamespace(core, 'input-judge');
    await createPolicy(ns, 'mars', { zones: ['mars-1a'] });
    await createPolicy(ns, 'elsewhere', { clouds: ['gcp'] });
    await createPolicy(ns, 'both', { instanceFamilies: { include: ['m5'], exclude: ['m5'] } });
    await createPolicy(ns, 'twice', { regions: ['us-east-1', 'us-east-1'] });
    await createPolicy(ns, 'm5', { instanceFamilies: { include: ['m5'] } });

    const mars = await validCondition(ns, 'mars', () => true);
    expect(mars).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(mars.message).toMatch(
      /^spec\.zones\[0\]: "mars-1a" is not on offer here \(regions on offer: us-east-1\)/,
    );
    const elsewhere = await validCondition(ns, 'elsewhere', () => true);
    expect(elsewhere.status).toBe('False');
    expect(elsewhere.message).toMatch(
      /^spec\.clouds\[0\]: "gcp" is not on offer here \(clouds on offer: aws\)/,
    );
    const both = await validCondition(ns, 'both', () => true);
    expect(both.message).toMatch(
      /spec\.instanceFamilies\.exclude\[0\]: "m5" is also in instanceFamilies\.include/,
    );
    const twice = await validCondition(ns, 'twice', () => true);
    expect(twice).toMatchObject({ status: 'True', reason: 'ValidWithWarnings' });
    expect(twice.message).toMatch(/warnings: spec\.regions\[1\]: "us-east-1" is listed twice/);
    expect((await validCondition(ns, 'm5', () => true)).status).toBe('True');

    // The same policy, once nothing on offer is an m5 (e.g. live prices dropped the family), is no longer usable.
    const all = loadCatalog({ clouds: ['aws'], regions: ['us-east-1'], onWarning: () => {} }).offerings;
    const controller = berth.controller()!;
    try {
      controller.replaceOfferings(all.filter((o) => o.family !== 'm5'));
      const gone = await validCondition(ns, 'm5', (c) => c.status === 'False');
      expect(gone.message).toMatch(/^spec\.instanceFamilies\.include\[0\]: "m5" is not on offer here/);
    } finally {
      controller.replaceOfferings(all);
    }
    await validCondition(ns, 'm5', (c) => c.status === 'True');
  });
});
