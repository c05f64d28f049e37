import { endMs, intervalCost } from '../cost/cost-model.ts';
import { intervalKey } from '../cost/interval.ts';
import type { CostInterval, CostLedger } from '../model/index.ts';
import type { Metrics } from '../server/metrics.ts';

interface Accruing {
  interval: CostInterval;
  /** USD already added to the counter for it. */
  counted: number;
}

/** Closed keys remembered so a repeated close is not counted twice; bounded so a long run's memory is too. */
const REMEMBERED_CLOSES = 50_000;

/**
 * The ledger, counting what passes through into Prometheus: running
 * machines accrue into berth_cost_dollars_total at each scrape and a closed
 * one adds what is left of its billed cost, so the counter only grows; the
 * hourly price of what runs now is berth_hourly_cost_dollars. Machines
 * already running at start are counted from then on (a new process is a
 * counter reset to Prometheus anyway).
 */
export function meteredLedger(
  ledger: CostLedger,
  metrics: Pick<Metrics, 'costTotal' | 'hourlyCost'>,
): CostLedger & { loadRunning(): Promise<void>; sync(now?: number): void } {
  const running = new Map<string, Accruing>();
  const closed = new Set<string>();
  const labels = (i: CostInterval) => ({ namespace: i.pod.namespace, capacity_type: i.capacityType });
  const remember = (key: string) => {
    closed.add(key);
    if (closed.size > REMEMBERED_CLOSES) closed.delete(closed.values().next().value as string);
  };
  const sync = (now = Date.now()) => {
    metrics.hourlyCost.reset();
    const hourly = new Map<string, { i: CostInterval; usd: number }>();
    for (const a of running.values()) {
      const cost = intervalCost(a.interval, now);
      if (cost > a.counted) metrics.costTotal.inc(labels(a.interval), cost - a.counted);
      a.counted = Math.max(a.counted, cost);
      const k = `${a.interval.pod.namespace}\n${a.interval.capacityType}`;
      hourly.set(k, { i: a.interval, usd: (hourly.get(k)?.usd ?? 0) + a.interval.pricePerHour });
    }
    for (const { i, usd } of hourly.values()) metrics.hourlyCost.set(labels(i), usd);
  };
  return {
    async record(i) {
      await ledger.record(i);
      const key = intervalKey(i);
      if (i.end === undefined) {
        if (!running.has(key) && !closed.has(key)) running.set(key, { interval: i, counted: 0 });
        return;
      }
      if (closed.has(key)) return;
      const cost = intervalCost(i);
      const counted = running.get(key)?.counted ?? 0;
      if (cost > counted) metrics.costTotal.inc(labels(i), cost - counted);
      running.delete(key);
      remember(key);
    },
    list: (filter) => ledger.list(filter),
    rollUp: (before) => ledger.rollUp(before),
    daily: (filter) => ledger.daily(filter),
    close: () => ledger.close(),
    async loadRunning() {
      const now = Date.now();
      for (const i of await ledger.list({ since: new Date(now).toISOString() })) {
        if (i.end !== undefined || endMs(i, now) < now) continue;
        running.set(intervalKey(i), { interval: i, counted: intervalCost(i, now) });
      }
    },
    sync,
  };
}
