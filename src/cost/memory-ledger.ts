import type { CostDailyRow, CostInterval, CostLedger, CostLedgerFilter } from '../model/index.ts';
import { checkInterval, compareIntervals, intervalKey, matchesFilter } from './interval.ts';
import {
  addDaily,
  compareDaily,
  dailyKey,
  dailyMatches,
  isRollable,
  rollUpCutoff,
  rollUpRows,
} from './retention.ts';

/**
 * A CostLedger that lives and dies with the process: for tests and runs
 * where losing the history on restart is acceptable (`--ledger memory:`).
 */
export function createMemoryLedger(): CostLedger {
  const byKey = new Map<string, CostInterval>();
  const days = new Map<string, CostDailyRow>();
  return {
    async record(interval) {
      checkInterval(interval);
      const key = intervalKey(interval);
      if (interval.end === undefined && byKey.has(key)) return;
      // A copy, so a caller mutating its object later can't rewrite history.
      byKey.set(key, structuredClone(interval));
    },
    async list(filter?: CostLedgerFilter) {
      return [...byKey.values()]
        .filter((i) => matchesFilter(i, filter))
        .sort(compareIntervals)
        .map((i) => structuredClone(i));
    },
    async rollUp(before) {
      const cutoff = rollUpCutoff(before);
      const old = [...byKey].filter(([, i]) => isRollable(i, cutoff));
      for (const row of rollUpRows(old.map(([, i]) => i))) {
        const key = dailyKey(row);
        const had = days.get(key);
        days.set(key, had ? addDaily(had, row) : row);
      }
      for (const [key] of old) byKey.delete(key);
      return old.length;
    },
    async daily(filter?: CostLedgerFilter) {
      return [...days.values()]
        .filter((r) => dailyMatches(r, filter))
        .sort(compareDaily)
        .map((r) => ({ ...r }));
    },
    async close() {},
  };
}
