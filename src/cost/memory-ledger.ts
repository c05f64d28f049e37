import type { CostInterval, CostLedger, CostLedgerFilter } from '../model/index.ts';
import { checkInterval, compareIntervals, intervalKey, matchesFilter } from './interval.ts';

/**
 * A CostLedger that lives and dies with the process: for tests, the demo and
 * runs where losing the history on restart is acceptable.
 */
export function createMemoryLedger(): CostLedger {
  const byKey = new Map<string, CostInterval>();
  return {
    async record(interval) {
      checkInterval(interval);
      // A copy, so a caller mutating its object later can't rewrite history.
      byKey.set(intervalKey(interval), structuredClone(interval));
    },
    async list(filter?: CostLedgerFilter) {
      return [...byKey.values()]
        .filter((i) => matchesFilter(i, filter))
        .sort(compareIntervals)
        .map((i) => structuredClone(i));
    },
  };
}
