/**
 * One contract for every CostLedger backend: memory, SQLite in a file, and a
 * real PostgreSQL server started for this file on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { intervalCost } from '../../../src/cost/cost-model.ts';
import type { LedgerLocation } from '../../../src/cost/ledger-location.ts';
import { openLedger } from '../../../src/cost/open-ledger.ts';
import { costReport } from '../../../src/cost/report.ts';
import { type CostLedger, InputError } from '../../../src/model/index.ts';
import { type PostgresServer, startPostgres } from '../../fixtures/postgres-server.ts';
import { interval } from './fixtures.ts';

let postgres: PostgresServer;
const dir = mkdtempSync(join(tmpdir(), 'berth-ledger-'));
let databases = 0;

beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);

afterAll(async () => {
  await postgres?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** A fresh, empty place for one test's ledger. */
async function freshLocation(kind: LedgerLocation['kind']): Promise<LedgerLocation> {
  databases += 1;
  if (kind === 'memory') return { kind };
  if (kind === 'sqlite') return { kind, path: join(dir, `ledger-${databases}.db`) };
  const admin = new pg.Client({ connectionString: postgres.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ledger_${databases}`);
  await admin.end();
  return { kind, url: postgres.url.replace(/\/postgres$/, `/ledger_${databases}`) };
}

const open: CostLedger[] = [];
async function freshLedger(
  kind: LedgerLocation['kind'],
): Promise<{ ledger: CostLedger; at: LedgerLocation }> {
  const at = await freshLocation(kind);
  const ledger = await openLedger(at, { retryForMs: 60_000 });
  open.push(ledger);
  return { ledger, at };
}
afterAll(async () => {
  for (const l of open) await l.close().catch(() => {});
});

describe.each(['memory', 'sqlite', 'postgres'] as const)('%s ledger: the contract', (kind) => {
  it('keeps one interval when the same one is recorded twice', async () => {
    const { ledger } = await freshLedger(kind);
    await ledger.record(interval());
    await ledger.record(interval());
    expect(await ledger.list()).toEqual([interval()]);
  });

  it('treats the same start written differently as the same interval, and keeps the latest close', async () => {
    const { ledger } = await freshLedger(kind);
    await ledger.record(interval({ end: '2025-01-01T00:30:00Z' }));
    await ledger.record(interval({ start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T01:00:00Z' }));
    const all = await ledger.list();
    expect(all).toHaveLength(1);
    expect(all[0]?.end).toBe('2025-01-01T01:00:00Z');
  });

  it('keeps intervals apart when berth, pod uid or start differ', async () => {
    const { ledger } = await freshLedger(kind);
    await ledger.record(interval());
    await ledger.record(interval({ berth: 'team-a/build-2' }));
    await ledger.record(interval({ pod: { namespace: 'team-a', name: 'build-1', uid: 'uid-2' } }));
    await ledger.record(interval({ start: '2025-01-01T00:10:00Z' }));
    expect(await ledger.list()).toHaveLength(4);
  });

  it('filters by namespace and by overlap with the window, oldest first', async () => {
    const { ledger } = await freshLedger(kind);
    const b = interval({ berth: 'b/x', pod: { namespace: 'b', name: 'x', uid: 'u2' } });
    const late = interval({ start: '2025-01-02T00:00:00Z', end: '2025-01-02T01:00:00Z' });
    await ledger.record(late);
    await ledger.record(interval());
    await ledger.record(b);
    expect((await ledger.list({ namespace: 'b' })).map((i) => i.berth)).toEqual(['b/x']);
    expect((await ledger.list()).map((i) => i.start)).toEqual([
      '2025-01-01T00:00:00Z',
      '2025-01-01T00:00:00Z',
      '2025-01-02T00:00:00Z',
    ]);
    // Straddles the window's start: in. Ends exactly at since: out.
    expect(await ledger.list({ since: '2025-01-01T00:30:00Z', until: '2025-01-01T23:00:00Z' })).toHaveLength(
      2,
    );
    expect(await ledger.list({ since: '2025-01-01T01:00:00Z' })).toEqual([late]);
    expect(await ledger.list({ until: '2025-01-02T00:00:00Z' })).toHaveLength(2);
  });

  it('keeps an open interval, counts it up to now, and closes it under the same key', async () => {
    const { ledger } = await freshLedger(kind);
    const start = new Date(Date.now() - 2 * 3600_000).toISOString();
    const { end: _, ...open } = interval({ start });
    await ledger.record(open);
    await ledger.record(open); // the launch step again, after a restart
    // Running machines reach past any `since`.
    const running = await ledger.list({ since: new Date().toISOString() });
    expect(running).toEqual([open]);
    const report = costReport(running, { groupBy: 'namespace', now: Date.parse(start) + 2 * 3600_000 });
    expect(report.total.cost).toBeCloseTo(0.08, 10);

    const closed = { ...open, end: new Date(Date.parse(start) + 3600_000).toISOString() };
    await ledger.record(closed);
    // A late launch step must not reopen what teardown closed.
    await ledger.record(open);
    expect(await ledger.list()).toEqual([closed]);
  });

  it('is not changed by the caller mutating what it recorded or listed', async () => {
    const { ledger } = await freshLedger(kind);
    const i = interval();
    await ledger.record(i);
    i.pricePerHour = 100;
    const [listed] = await ledger.list();
    if (listed) listed.pricePerHour = 200;
    expect((await ledger.list())[0]?.pricePerHour).toBe(0.04);
  });

  it('rejects an interval that ends before it starts, naming the field, and keeps nothing of it', async () => {
    const { ledger } = await freshLedger(kind);
    const bad = interval({ end: '2024-12-31T23:00:00Z' });
    await expect(ledger.record(bad)).rejects.toBeInstanceOf(InputError);
    await expect(ledger.record(bad)).rejects.toThrow(/team-a\/build-1: end/);
    await expect(ledger.record(interval({ start: 'yesterday' }))).rejects.toThrow(/start/);
    await expect(ledger.record(interval({ pricePerHour: -1 }))).rejects.toThrow(/pricePerHour/);
    await expect(ledger.rollUp('last week')).rejects.toThrow(/before/);
    expect(await ledger.list()).toEqual([]);
  });

  it('rolls old closed intervals up into daily rows per namespace and capacity type, once', async () => {
    const { ledger } = await freshLedger(kind);
    const day1 = [
      interval(),
      interval({ berth: 'team-a/build-2', pod: { namespace: 'team-a', name: 'build-2', uid: 'u2' } }),
      interval({
        berth: 'team-a/od',
        pod: { namespace: 'team-a', name: 'od', uid: 'u3' },
        capacityType: 'on-demand',
      }),
      interval({ berth: 'team-b/x', pod: { namespace: 'team-b', name: 'x', uid: 'u4' } }),
    ];
    const recent = interval({ start: '2025-02-01T00:00:00Z', end: '2025-02-01T00:30:00Z' });
    const { end: _, ...running } = interval({ start: '2025-01-01T05:00:00Z', berth: 'team-a/run' });
    for (const i of [...day1, recent, running]) await ledger.record(i);

    expect(await ledger.rollUp('2025-01-15T00:00:00Z')).toBe(4);
    expect(await ledger.rollUp('2025-01-15T00:00:00Z')).toBe(0);
    expect(await ledger.list()).toEqual([running, recent]);
    const daily = await ledger.daily();
    expect(daily.map((r) => [r.day, r.namespace, r.capacityType, r.intervals])).toEqual([
      ['2025-01-01', 'team-a', 'on-demand', 1],
      ['2025-01-01', 'team-a', 'spot', 2],
      ['2025-01-01', 'team-b', 'spot', 1],
    ]);
    expect(daily[1]?.cost).toBeCloseTo(2 * intervalCost(interval()), 10);
    expect(daily[1]?.hours).toBeCloseTo(2, 10);
    expect(await ledger.daily({ namespace: 'team-b' })).toHaveLength(1);
    expect(await ledger.daily({ since: '2025-01-02T00:00:00Z' })).toEqual([]);

    // A later roll-up adds to the same day's row.
    await ledger.record(interval({ berth: 'team-b/y', pod: { namespace: 'team-b', name: 'y', uid: 'u5' } }));
    expect(await ledger.rollUp('2025-01-15T00:00:00Z')).toBe(1);
    expect((await ledger.daily({ namespace: 'team-b' }))[0]?.intervals).toBe(2);
  });
});

describe.each(['sqlite', 'postgres'] as const)('%s ledger: durable', (kind) => {
  it('keeps what it recorded across a close and a reopen, whose migrations find nothing to do', async () => {
    const { ledger, at } = await freshLedger(kind);
    const { end: _, ...running } = interval({ berth: 'team-a/run', start: '2025-01-01T03:00:00Z' });
    await ledger.record(interval());
    await ledger.record(running);
    await ledger.rollUp('2025-01-01T00:00:00Z');
    await ledger.close();
    const again = await openLedger(at);
    open.push(again);
    expect(await again.list()).toEqual([interval(), running]);
  });
});

describe('postgres ledger: a server restart in the middle of a burst', () => {
  it('loses no write: each is retried until the server is back', async () => {
    const { ledger } = await freshLedger('postgres');
    const retries: number[] = [];
    const at = await freshLocation('postgres');
    const retrying = await openLedger(at, { retryForMs: 60_000, onRetry: (_e, n) => retries.push(n) });
    open.push(retrying);
    const writes: Promise<void>[] = [];
    const n = 60;
    for (let k = 0; k < n; k++) {
      const start = new Date(Date.parse('2025-03-01T00:00:00Z') + k * 60_000).toISOString();
      writes.push(retrying.record(interval({ berth: `team-a/p${k}`, start, end: start })));
      if (k === 20) await postgres.stop();
      if (k === 40) await postgres.start();
      await new Promise((r) => setTimeout(r, 20));
    }
    await Promise.all(writes);
    expect(retries.length).toBeGreaterThan(0);
    expect(await retrying.list()).toHaveLength(n);
    // The other ledger's pool reconnects too.
    await ledger.record(interval());
    expect(await ledger.list()).toHaveLength(1);
  }, 120_000);
});
