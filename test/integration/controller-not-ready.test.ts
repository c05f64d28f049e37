import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { berthPod, core, nodeExists, startBerth, waitBerth } from './berth-harness.ts';
import { freshNamespace } from './helpers.ts';

const SCHEDULER = 'berth-not-ready';

describe('controller: a machine that never turns Ready', () => {
  let berth: Runtime;
  let ns: string;
  beforeAll(async () => {
    berth = await startBerth({ schedulerName: SCHEDULER, readyTimeoutMs: 4_000 });
    ns = await freshNamespace(core, 'not-ready');
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('is replaced after the ready timeout, and both machines are paid for', async () => {
    berth.provider.stallNext({});
    await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('stuck-1', { completeAfter: '2s', schedulerName: SCHEDULER }),
    });

    const done = await waitBerth(
      ns,
      'stuck-1',
      'Terminated',
      (b) => b.status?.phase === 'Terminated',
      60_000,
    );
    expect(done.status?.attempts).toBe(1);
    expect(done.status?.reason).toBe('PodSucceeded');

    const events = await core.listNamespacedEvent({
      namespace: ns,
      fieldSelector: 'involvedObject.name=stuck-1',
    });
    expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['NodeNotReady', 'Placed']));
    // The stalled machine's Node is gone with it.
    const stalled = events.items.find((e) => e.reason === 'NodeNotReady')?.message?.match(/node (\S+)/)?.[1];
    expect(stalled).toBeDefined();
    expect(await nodeExists(stalled!)).toBe(false);

    const intervals = await berth.ledger.list({ namespace: ns });
    expect(intervals.map((i) => i.reason)).toEqual(['NodeNotReady', 'PodSucceeded']);
    const [first, second] = intervals;
    expect(Date.parse(first!.end!)).toBeGreaterThanOrEqual(Date.parse(first!.start) + 3_000);
    expect(Date.parse(second!.start)).toBeGreaterThanOrEqual(Date.parse(first!.end!) - 1_000);

    const failures = await berth.metrics.launchFailures.get();
    expect(failures.values.find((v) => v.labels.reason === 'not-ready')?.value).toBe(1);
  });
});
