import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  LABEL_CAPACITY_TYPE,
  LABEL_INSTANCE_TYPE,
  LABEL_POD_UID,
  TAINT_DEDICATED,
} from '../../src/model/index.ts';
import type { Runtime } from '../../src/server/runtime.ts';
import { berthPod, core, getBerth, nodeExists, startBerth, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

describe('controller: one pod, its whole life', () => {
  let berth: Runtime;
  let ns: string;
  beforeAll(async () => {
    berth = await startBerth();
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
});
