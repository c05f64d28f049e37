import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BerthClient, newBerth } from '../../src/kube/berths.ts';
import { type BerthObject, LABEL_CLUSTER } from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { berthPod, core, getBerth, kc, startBerth, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

const SCHEDULER = 'berth-malformed';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Berths a person edited by hand into something the CRD accepts but the
 * controller cannot use: each is reported once and left alone, and the
 * controller goes on placing every other pod.
 */
describe('controller: a Berth broken by hand', () => {
  let berth: Runtime;
  let ns: string;
  const berths = new BerthClient(kc);
  /** A Berth of this installation, as `kubectl apply` would write it (no finalizer, no owner). */
  const handWritten = (name: string, pod: { name: string; uid: string }): BerthObject => {
    const b = newBerth(
      { metadata: { name: pod.name, namespace: ns, uid: pod.uid } },
      { policy: 'default', fallbacks: [], explanation: 'written by hand' },
    );
    return { ...b, metadata: { name, namespace: ns, labels: { [LABEL_CLUSTER]: SCHEDULER } } };
  };
  const warnings = async (kind: string, name: string) =>
    (
      await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.kind=${kind},involvedObject.name=${name},reason=MalformedBerth`,
      })
    ).items;

  beforeAll(async () => {
    berth = await startBerth({ schedulerName: SCHEDULER });
    ns = await freshNamespace(core, 'malformed');
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('is reported once, its pod is left alone, the others are placed, and a fix lets its pod go on', async () => {
    // A pod uid emptied, and a Berth that names another pod than its own name says.
    await berths.create(handWritten('edited', { name: 'edited', uid: '' }));
    await berths.create(handWritten('stray', { name: 'someone-else', uid: 'not-a-pod' }));
    await core.createNamespacedPod({ namespace: ns, body: berthPod('edited', { schedulerName: SCHEDULER }) });
    await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('fine', { schedulerName: SCHEDULER, completeAfter: '1s' }),
    });

    // Reported: on the pod it stands for, and on the Berth when there is no such pod.
    const [onPod] = await waitFor('warning on the pod', async () => {
      const e = await warnings('Pod', 'edited');
      return e.length > 0 ? e : undefined;
    });
    expect(onPod?.type).toBe('Warning');
    expect(onPod?.message).toMatch(new RegExp(`Berth ${ns}/edited: spec\\.pod\\.uid: empty`));
    const [onBerth] = await waitFor('warning on the Berth', async () => {
      const e = await warnings('Berth', 'stray');
      return e.length > 0 ? e : undefined;
    });
    expect(onBerth?.message).toMatch(/spec\.pod: names pod .*\/someone-else/);

    // The controller kept working: another pod got its node and gave it back.
    const done = await waitBerth(ns, 'fine', 'Terminated', (b) => b.status?.phase === 'Terminated');
    expect(done.status?.reason).toBe('PodSucceeded');

    // More changes to the pod reconcile it again; the report is not repeated, the pod not placed.
    for (const step of ['one', 'two']) {
      await core.patchNamespacedPod(
        { name: 'edited', namespace: ns, body: { metadata: { labels: { step } } } },
        MERGE_PATCH,
      );
    }
    await new Promise((r) => setTimeout(r, 1_500));
    await berth.controller()?.idle();
    const repeated = await warnings('Pod', 'edited');
    expect(repeated).toHaveLength(1);
    expect(repeated[0]?.count ?? 1).toBe(1);
    expect((await core.readNamespacedPod({ name: 'edited', namespace: ns })).spec?.nodeName).toBeUndefined();
    // Left as the person wrote it: no status, no finalizer.
    const untouched = await getBerth(ns, 'edited');
    expect(untouched?.status).toBeUndefined();
    expect(untouched?.metadata.finalizers).toBeUndefined();

    // Fixed by hand: the pod is decided and placed like any other.
    const uid = (await core.readNamespacedPod({ name: 'edited', namespace: ns })).metadata?.uid ?? '';
    await berths.patchSpec(ns, 'edited', { pod: { name: 'edited', namespace: ns, uid } });
    await waitPod(ns, 'edited', 'bound', (p) => p.spec?.nodeName !== undefined);
    await core.deleteNamespacedPod({ name: 'edited', namespace: ns });
    await waitBerth(ns, 'edited', 'Terminated', (b) => b.status?.phase === 'Terminated');
  });
});
