import type { CostLedger, CostReport } from '../model/index.ts';
import { costReport } from './report.ts';
import type { Window } from './window.ts';

/** The report of a window straight from a ledger: its intervals and daily roll-ups, clipped to the window. */
export async function ledgerReport(
  ledger: CostLedger,
  o: { window: Window; groupBy: Parameters<typeof costReport>[1]['groupBy']; now?: number },
): Promise<CostReport> {
  const filter = {
    since: new Date(o.window.start).toISOString(),
    until: new Date(o.window.end).toISOString(),
  };
  const [intervals, daily] = await Promise.all([ledger.list(filter), ledger.daily(filter)]);
  return costReport(intervals, {
    groupBy: o.groupBy,
    window: o.window,
    daily,
    ...(o.now ? { now: o.now } : {}),
  });
}
