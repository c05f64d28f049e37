import { BatchV1Api, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_POD_UID } from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { berthPod, core, getBerth, kc, nodeExists, startBerth, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

const batch = kc.makeApiClient(BatchV1Api);

async function berthNodesFor(uid: string): Promise<string[]> {
  const nodes = await core.listNode({ labelSelector: `${LABEL_POD_UID}=${uid}` });
  return nodes.items.map((n) => n.metadata!.name!);
}

describe('controller scenarios', () => {
  let berth: Runtime;
  beforeAll(async () => {
    berth = await startBerth({ schedulerName: 'berth', concurrency: 32 });
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('a burst of 100 Job pods each get a node of their own, and every node goes when its pod is done', async () => {
    const ns = await freshNamespace(core, 'burst');
    const template = berthPod('x', { completeAfter: '2s', cpu: '250m', memory: '512Mi' });
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'burst' },
        spec: {
          completions: 100,
          parallelism: 100,
          backoffLimit: 0,
          template: { metadata: { annotations: template.metadata?.annotations }, spec: template.spec! },
        },
      },
    });
    await waitFor(
      'Job burst to complete',
      async () => {
        const j = await batch.readNamespacedJob({ name: 'burst', namespace: ns });
        return (j.status?.succeeded ?? 0) >= 100 ? j : undefined;
      },
      180_000,
    );
    const pods = (await core.listNamespacedPod({ namespace: ns })).items;
    expect(pods).toHaveLength(100);
    const nodes = new Set(pods.map((p) => p.spec?.nodeName));
    expect(nodes.size).toBe(100); // never two pods on one node
    await waitFor(
      'every berth node gone',
      async () => {
        for (const p of pods) if ((await berthNodesFor(p.metadata!.uid!)).length > 0) return undefined;
        return true;
      },
      120_000,
    );
    expect(await berth.ledger.list({ namespace: ns })).toHaveLength(100);
  });

  it('two tenants never share a node, and a default-scheduler pod never lands on a berth node', async () => {
    const a = await freshNamespace(core, 'tenant-a');
    const b = await freshNamespace(core, 'tenant-b');
    for (const ns of [a, b]) {
      for (const name of ['p1', 'p2'])
        await core.createNamespacedPod({ namespace: ns, body: berthPod(name, { completeAfter: '30s' }) });
    }
    const running: V1Pod[] = [];
    for (const ns of [a, b])
      for (const name of ['p1', 'p2'])
        running.push(await waitPod(ns, name, 'Running', (p) => p.status?.phase === 'Running'));
    const nodeNames = running.map((p) => p.spec!.nodeName!);
    expect(new Set(nodeNames).size).toBe(4);
    for (const p of running) {
      const node = await core.readNode({ name: p.spec!.nodeName! });
      expect(node.metadata?.labels?.[LABEL_POD_UID]).toBe(p.metadata!.uid);
    }
    // A plain pod with no berth scheduler: kube-scheduler must never put it on a berth node (the taint).
    await core.createNamespacedPod({
      namespace: a,
      body: { metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    });
    await new Promise((r) => setTimeout(r, 5000));
    const plain = await core.readNamespacedPod({ namespace: a, name: 'plain' });
    if (plain.spec?.nodeName) {
      const node = await core.readNode({ name: plain.spec.nodeName });
      expect(node.metadata?.labels?.[LABEL_POD_UID]).toBeUndefined();
    } else {
      expect(plain.status?.phase).toBe('Pending');
    }
    for (const ns of [a, b]) await core.deleteCollectionNamespacedPod({ namespace: ns });
  });

  it('a pod deleted while its node launches leaves no node and no machine behind', async () => {
    const slow = await startBerth({ schedulerName: 'berth-slow', bootDelayMs: 3000 });
    try {
      const ns = await freshNamespace(core, 'vanish');
      const body = berthPod('short-lived');
      body.spec!.schedulerName = 'berth-slow';
      const pod = await core.createNamespacedPod({ namespace: ns, body });
      await waitBerth(ns, 'short-lived', 'Launching', (b) => b.status?.phase === 'Launching');
      await core.deleteNamespacedPod({ namespace: ns, name: 'short-lived', gracePeriodSeconds: 0 });
      await waitFor(
        'Berth gone',
        async () => ((await getBerth(ns, 'short-lived')) ? undefined : true),
        60_000,
      );
      // The boot was aborted, or its machine collected: either way nothing of this pod's remains.
      await new Promise((r) => setTimeout(r, 4000));
      expect(await berthNodesFor(pod.metadata!.uid!)).toEqual([]);
      const machines = await slow.provider.list();
      expect(
        machines.filter((m) => m.nodeName.includes(pod.metadata!.uid!.replaceAll('-', '').slice(0, 16))),
      ).toEqual([]);
    } finally {
      await slow.stop();
    }
  });

  it('a capacity error marks the offering unavailable and the next one in the ranked list is launched', async () => {
    const ns = await freshNamespace(core, 'capacity');
    await core.createNamespacedPod({ namespace: ns, body: berthPod('first', { cpu: '3', memory: '6Gi' }) });
    const first = await waitBerth(ns, 'first', 'Bound', (b) => b.status?.phase === 'Bound');
    const cheapest = first.spec.offering!.id;
    berth.provider.failNext({ offeringId: cheapest, reason: 'insufficient-capacity' });
    // A fresh controller view: the first pod's success must not have marked anything.
    await core.createNamespacedPod({ namespace: ns, body: berthPod('second', { cpu: '3', memory: '6Gi' }) });
    const second = await waitBerth(ns, 'second', 'Bound', (b) => b.status?.phase === 'Bound');
    expect(second.spec.offering!.id).not.toBe(cheapest);
    expect(first.spec.fallbacks.map((f) => f.id)).toContain(second.spec.offering!.id);
    expect(second.status?.attempts).toBe(1);
    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=second',
    });
    expect(events.items.map((e) => e.reason)).toContain('CapacityUnavailable');
  });

  it("a spot interruption evicts a Job's pod so its replacement gets a new node", async () => {
    const ns = await freshNamespace(core, 'spot');
    const template = berthPod('x', { completeAfter: '120s', cpu: '1', memory: '2Gi' });
    template.metadata!.annotations!['berth.dev/policy'] = 'cost-optimized';
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'train' },
        spec: {
          backoffLimit: 3,
          template: { metadata: { annotations: template.metadata?.annotations }, spec: template.spec! },
        },
      },
    });
    const firstPod = await waitFor('the Job pod Running', async () => {
      const pods = (await core.listNamespacedPod({ namespace: ns })).items;
      return pods.find((p) => p.status?.phase === 'Running');
    });
    const firstBerth = await waitBerth(
      ns,
      firstPod.metadata!.name!,
      'Bound',
      (b) => b.status?.phase === 'Bound',
    );
    await berth.provider.interrupt(firstBerth.status!.instanceId!);
    const replacement = await waitFor(
      'a replacement pod Running on another node',
      async () => {
        const pods = (await core.listNamespacedPod({ namespace: ns })).items;
        return pods.find((p) => p.metadata?.uid !== firstPod.metadata?.uid && p.status?.phase === 'Running');
      },
      90_000,
    );
    expect(replacement.spec?.nodeName).not.toBe(firstPod.spec?.nodeName);
    await waitFor(
      'the interrupted node gone',
      async () => ((await nodeExists(firstPod.spec!.nodeName!)) ? undefined : true),
      60_000,
    );
    await batch.deleteNamespacedJob({ namespace: ns, name: 'train', propagationPolicy: 'Background' });
  });
});
