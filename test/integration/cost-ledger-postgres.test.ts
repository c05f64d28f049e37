/**
 * The PostgreSQL ledger under a controller mid-burst: the server is
 * restarted while machines launch and pods finish. Writes are retried until
 * it is back; every machine's interval is in the ledger once, closed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/cost/open-ledger.ts';
import type { CostLedger } from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { type PostgresServer, startPostgres } from '../fixtures/postgres-server.ts';
import { berthPod, core, startBerth, uniq, waitBerth } from './berth-harness.ts';
import { freshNamespace } from './helpers.ts';

let postgres: PostgresServer;
let ledger: CostLedger;
let runtime: Runtime | undefined;

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  await ledger?.close();
  await postgres?.destroy();
});

describe('cost ledger on PostgreSQL: a server restart in the middle of a burst', () => {
  it('loses no interval: every machine is recorded once, opened and closed', async () => {
    const retries: number[] = [];
    ledger = await openLedger(
      { kind: 'postgres', url: postgres.url },
      { onRetry: (_e, n) => retries.push(n) },
    );
    const scheduler = uniq('ledger-pg');
    const ns = await freshNamespace(core, 'ledger-pg');
    runtime = await startBerth({ schedulerName: scheduler, ledger, bootDelayMs: 1000 });
    const names = Array.from({ length: 8 }, (_, k) => `burst-${k}`);
    for (const [k, name] of names.entries()) {
      await core.createNamespacedPod({
        namespace: ns,
        body: berthPod(name, { completeAfter: `${2 + (k % 4)}s`, schedulerName: scheduler }),
      });
    }
    // Down while machines launch and the first pods finish.
    await waitBerth(ns, names[0]!, 'Launching', (b) => b.status?.phase !== undefined, 60_000);
    await postgres.stop();
    await new Promise((r) => setTimeout(r, 6_000));
    await postgres.start();

    const uids = new Map<string, string>();
    for (const name of names) {
      const b = await waitBerth(ns, name, 'Terminated', (x) => x.status?.phase === 'Terminated', 180_000);
      uids.set(b.spec.pod.uid, b.status!.timestamps!.Launching!);
    }
    const intervals = await ledger.list({ namespace: ns });
    expect(intervals.map((i) => i.pod.uid).sort()).toEqual([...uids.keys()].sort());
    for (const i of intervals) {
      expect(i.end, i.berth).toBeDefined();
      expect(i.start).toBe(uids.get(i.pod.uid));
    }
    expect(retries.length).toBeGreaterThan(0);
  }, 300_000);
});
