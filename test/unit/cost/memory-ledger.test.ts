import { describe, expect, it } from 'vitest';
import { createMemoryLedger } from '../../../src/cost/memory-ledger.ts';
import { InputError } from '../../../src/model/index.ts';
import { interval } from './fixtures.ts';

describe('memory ledger', () => {
  it('keeps one interval when the same one is recorded twice', async () => {
    const ledger = createMemoryLedger();
    await ledger.record(interval());
    await ledger.record(interval());
    expect(await ledger.list()).toHaveLength(1);
  });

  it('treats the same start written differently as the same interval, and keeps the latest', async () => {
    const ledger = createMemoryLedger();
    await ledger.record(interval({ end: '2025-01-01T00:30:00Z' }));
    await ledger.record(interval({ start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T01:00:00Z' }));
    const all = await ledger.list();
    expect(all).toHaveLength(1);
    expect(all[0]?.end).toBe('2025-01-01T01:00:00Z');
  });

  it('keeps intervals apart when berth, pod uid or start differ', async () => {
    const ledger = createMemoryLedger();
    await ledger.record(interval());
    await ledger.record(interval({ berth: 'team-a/build-2' }));
    await ledger.record(interval({ pod: { namespace: 'team-a', name: 'build-1', uid: 'uid-2' } }));
    await ledger.record(interval({ start: '2025-01-01T00:10:00Z' }));
    expect(await ledger.list()).toHaveLength(4);
  });

  it('filters by namespace and by overlap with the window, oldest first', async () => {
    const ledger = createMemoryLedger();
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

  it('is not changed by the caller mutating what it recorded or listed', async () => {
    const ledger = createMemoryLedger();
    const i = interval();
    await ledger.record(i);
    i.pricePerHour = 100;
    const [listed] = await ledger.list();
    if (listed) listed.pricePerHour = 200;
    expect((await ledger.list())[0]?.pricePerHour).toBe(0.04);
  });

  it('rejects an interval that ends before it starts, naming the field', async () => {
    const ledger = createMemoryLedger();
    const bad = interval({ end: '2024-12-31T23:00:00Z' });
    await expect(ledger.record(bad)).rejects.toBeInstanceOf(InputError);
    await expect(ledger.record(bad)).rejects.toThrow(/team-a\/build-1: end/);
    await expect(ledger.record(interval({ start: 'yesterday' }))).rejects.toThrow(/start/);
    await expect(ledger.record(interval({ pricePerHour: -1 }))).rejects.toThrow(/pricePerHour/);
    expect(await ledger.list()).toEqual([]);
  });
});
