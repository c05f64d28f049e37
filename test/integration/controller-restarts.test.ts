import { describe, expect, it } from 'vitest';
import { LABEL_POD_UID } from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { berthPod, core, nodeExists, startBerth, uniq, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

async function nodesOf(uid: string): Promise<string[]> {
  return (await core.listNode({ labelSelector: `${LABEL_POD_UID}=${uid}` })).items.map(
    (n) => n.metadata!.name!,
  );
}

/** A pod for a scheduler name of its own, so each restart test has controllers of its own. */
async function createPod(ns: string, scheduler: string, name: string, completeAfter?: string) {
  const body = berthPod(name, completeAfter ? { completeAfter } : {});
  body.spec!.schedulerName = scheduler;
  return core.createNamespacedPod({ namespace: ns, body });
}

describe('controller restarts: exactly one machine per live pod, none for dead ones', () => {
  it('killed while the node boots: the restarted controller launches nothing new', async () => {
    const scheduler = uniq('restart-launch');
    const ns = await freshNamespace(core, 'restart-launch');
    const first = await startBerth({ schedulerName: scheduler, bootDelayMs: 2000 });
    const pod = await createPod(ns, scheduler, 'p');
    await waitBerth(ns, 'p', 'Launching', (b) => b.status?.phase === 'Launching');
    await first.stop();
    const second = await startBerth({ schedulerName: scheduler, bootDelayMs: 2000 });
    try {
      await waitPod(ns, 'p', 'Running', (p) => p.status?.phase === 'Running');
      expect(await nodesOf(pod.metadata!.uid!)).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('killed after binding: the restarted controller keeps the one node', async () => {
    const scheduler = uniq('restart-bound');
    const ns = await freshNamespace(core, 'restart-bound');
    const first = await startBerth({ schedulerName: scheduler });
    const pod = await createPod(ns, scheduler, 'p');
    const bound = await waitBerth(ns, 'p', 'Bound', (b) => b.status?.phase === 'Bound');
    await first.stop();
    const second = await startBerth({ schedulerName: scheduler });
    try {
      await second.leading();
      await new Promise((r) => setTimeout(r, 2000));
      expect(await nodesOf(pod.metadata!.uid!)).toEqual([bound.status!.nodeName]);
      const still = await waitBerth(ns, 'p', 'still Bound', (b) => b.status?.phase === 'Bound');
      expect(still.status?.nodeName).toBe(bound.status?.nodeName);
    } finally {
      await second.stop();
    }
  });

  it('down while the pod finishes: the restarted controller tears the node down and records the cost', async () => {
    const scheduler = uniq('restart-teardown');
    const ns = await freshNamespace(core, 'restart-teardown');
    const first = await startBerth({ schedulerName: scheduler });
    const pod = await createPod(ns, scheduler, 'p', '2s');
    const bound = await waitBerth(ns, 'p', 'Bound', (b) => b.status?.phase === 'Bound');
    await first.stop();
    await waitPod(ns, 'p', 'Succeeded', (p) => p.status?.phase === 'Succeeded');
    expect(await nodeExists(bound.status!.nodeName!)).toBe(true);
    const second = await startBerth({ schedulerName: scheduler });
    try {
      await waitBerth(ns, 'p', 'Terminated', (b) => b.status?.phase === 'Terminated');
      await waitFor('node deleted', async () =>
        (await nodesOf(pod.metadata!.uid!)).length === 0 ? true : undefined,
      );
      expect(await second.ledger.list({ namespace: ns })).toHaveLength(1);
    } finally {
      await second.stop();
    }
  });

  it('leader hand-over: of two replicas one acts; stop it and the other takes over', async () => {
    const scheduler = uniq('ha');
    const ns = await freshNamespace(core, 'ha');
    const lease = { namespace: ns, name: 'berth-controller' };
    const a = await startBerth({
      schedulerName: scheduler,
      leaderElection: { ...lease, identity: 'replica-a' },
    });
    const b = await startBerth({
      schedulerName: scheduler,
      leaderElection: { ...lease, identity: 'replica-b' },
    });
    const replicas: Runtime[] = [a, b];
    try {
      const leader = await Promise.race(replicas.map((r) => r.leading().then(() => r)));
      const follower = leader === a ? b : a;
      expect(follower.controller()).toBeUndefined();
      await createPod(ns, scheduler, 'before');
      await waitBerth(ns, 'before', 'Bound', (x) => x.status?.phase === 'Bound');

      await leader.stop();
      await follower.leading();
      expect(follower.controller()).toBeDefined();
      await createPod(ns, scheduler, 'after');
      await waitBerth(ns, 'after', 'Bound', (x) => x.status?.phase === 'Bound');
    } finally {
      await Promise.all(replicas.map((r) => r.stop()));
    }
  });
});
