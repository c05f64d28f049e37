import { describe, expect, it } from 'vitest';
import { intervalCost } from '../../../src/cost/cost-model.ts';
import { createMemoryLedger } from '../../../src/cost/memory-ledger.ts';
import { meteredLedger } from '../../../src/runtime/metered-ledger.ts';
import { createMetrics } from '../../../src/server/metrics.ts';
import { interval } from '../cost/fixtures.ts';

async function counter(metrics: ReturnType<typeof createMetrics>, namespace = 'team-a'): Promise<number> {
  const m = await metrics.costTotal.get();
  return m.values.find((v) => v.labels.namespace === namespace)?.value ?? 0;
}

describe('cost metrics from the ledger', () => {
  it('accrues a running machine at each scrape and adds only the remainder when it closes', async () => {
    const metrics = createMetrics();
    const ledger = meteredLedger(createMemoryLedger(), metrics);
    const start = Date.now() - 2 * 3600_000;
    const { end: _, ...open } = interval({ start: new Date(start).toISOString() });
    await ledger.record(open);
    ledger.sync(start + 3600_000);
    expect(await counter(metrics)).toBeCloseTo(0.04, 9);
    const hourly = await metrics.hourlyCost.get();
    expect(hourly.values).toEqual([{ labels: { namespace: 'team-a', capacity_type: 'spot' }, value: 0.04 }]);

    const closed = { ...open, end: new Date(start + 2 * 3600_000).toISOString() };
    await ledger.record(closed);
    await ledger.record(closed); // a retried teardown
    expect(await counter(metrics)).toBeCloseTo(intervalCost(closed), 9);
    ledger.sync();
    expect((await metrics.hourlyCost.get()).values).toEqual([]);
    expect(await counter(metrics)).toBeCloseTo(0.08, 9);
  });

  it('counts machines a previous leader opened only from when this one starts', async () => {
    const inner = createMemoryLedger();
    const { end: _, ...open } = interval({ start: new Date(Date.now() - 3600_000).toISOString() });
    await inner.record(open);
    const metrics = createMetrics();
    const ledger = meteredLedger(inner, metrics);
    await ledger.loadRunning();
    ledger.sync();
    expect(await counter(metrics)).toBeLessThan(0.001);
    await ledger.record({ ...open, end: new Date().toISOString() });
    expect(await counter(metrics)).toBeLessThan(0.001);
  });
});
