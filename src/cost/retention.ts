import { type CostDailyRow, type CostInterval, type CostLedgerFilter, InputError } from '../model/index.ts';
import { billedHours, intervalCost, onDemandCost } from './cost-model.ts';

/**
 * Retention: old per-pod intervals become one row per UTC day, namespace and
 * capacity type, so a year of a busy CI cluster stays small. The day is the
 * day the interval started; its whole cost lands there even if it ran past
 * midnight.
 */

const DAY_MS = 86_400_000;

export function dayOf(i: Pick<CostInterval, 'start'>): string {
  return new Date(Date.parse(i.start)).toISOString().slice(0, 10);
}

export function dailyKey(r: Pick<CostDailyRow, 'day' | 'namespace' | 'capacityType'>): string {
  return JSON.stringify([r.day, r.namespace, r.capacityType]);
}

/** Whether the retention rule takes this interval: closed, and ended before `before`. */
export function isRollable(i: CostInterval, before: number): boolean {
  return i.end !== undefined && Date.parse(i.end) < before;
}

/** The daily rows these (closed) intervals sum to, oldest day first. */
export function rollUpRows(intervals: readonly CostInterval[]): CostDailyRow[] {
  const rows = new Map<string, CostDailyRow>();
  for (const i of intervals) {
    const row: CostDailyRow = {
      day: dayOf(i),
      namespace: i.pod.namespace,
      capacityType: i.capacityType,
      intervals: 1,
      hours: billedHours(i),
      cost: intervalCost(i),
      onDemandCost: onDemandCost(i),
    };
    const key = dailyKey(row);
    const had = rows.get(key);
    rows.set(key, had ? addDaily(had, row) : row);
  }
  return [...rows.values()].sort(compareDaily);
}

/** Two rows of the same key, summed. */
export function addDaily(a: CostDailyRow, b: CostDailyRow): CostDailyRow {
  return {
    ...a,
    intervals: a.intervals + b.intervals,
    hours: a.hours + b.hours,
    cost: a.cost + b.cost,
    onDemandCost: a.onDemandCost + b.onDemandCost,
  };
}

export function compareDaily(a: CostDailyRow, b: CostDailyRow): number {
  return (
    a.day.localeCompare(b.day) ||
    a.namespace.localeCompare(b.namespace) ||
    a.capacityType.localeCompare(b.capacityType)
  );
}

/** A day is in the window when any of its 24 hours is. */
export function dailyMatches(r: CostDailyRow, filter: CostLedgerFilter = {}): boolean {
  const start = Date.parse(`${r.day}T00:00:00Z`);
  if (filter.namespace !== undefined && r.namespace !== filter.namespace) return false;
  if (filter.since !== undefined && start + DAY_MS <= Date.parse(filter.since)) return false;
  if (filter.until !== undefined && start >= Date.parse(filter.until)) return false;
  return true;
}

/** The cutoff of a roll-up, in ms; a bad time is the caller's mistake, said plainly. */
export function rollUpCutoff(before: string): number {
  const t = Date.parse(before);
  if (Number.isNaN(t)) {
    throw new InputError(`expected an RFC 3339 time, got ${JSON.stringify(before)}`, {
      object: 'ledger retention',
      field: 'before',
    });
  }
  return t;
}
