import type { CostDailyRow, CostInterval, CostLedger, CostLedgerFilter } from '../model/index.ts';
import { checkInterval, compareIntervals, intervalKey } from './interval.ts';
import { compareDaily, dailyMatches, isRollable, rollUpCutoff, rollUpRows } from './retention.ts';
import { groupCommit } from './group-commit.ts';
import type { SqlDriver, SqlParam } from './sql-driver.ts';
import { migrate } from './sql-migrations.ts';

const INSERT = 'INSERT INTO cost_intervals (key, namespace, start_ms, end_ms, body) VALUES (?, ?, ?, ?, ?)';
// An open interval never overwrites: a late launch step must not reopen a closed one.
const OPEN = `${INSERT} ON CONFLICT (key) DO NOTHING`;
const CLOSE = `${INSERT} ON CONFLICT (key) DO UPDATE SET namespace = excluded.namespace, start_ms = excluded.start_ms, end_ms = excluded.end_ms, body = excluded.body`;
const ADD_DAILY = `INSERT INTO cost_daily (day, namespace, capacity_type, intervals, hours, cost, on_demand_cost)
  VALUES (?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (day, namespace, capacity_type) DO UPDATE SET
    intervals = cost_daily.intervals + excluded.intervals,
    hours = cost_daily.hours + excluded.hours,
    cost = cost_daily.cost + excluded.cost,
    on_demand_cost = cost_daily.on_demand_cost + excluded.on_demand_cost`;

interface DailyRecord {
  day: string;
  namespace: string;
  capacity_type: CostDailyRow['capacityType'];
  intervals: number | string;
  hours: number | string;
  cost: number | string;
  on_demand_cost: number | string;
}

function listQuery(filter: CostLedgerFilter): { sql: string; params: SqlParam[] } {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if (filter.namespace !== undefined) {
    where.push('namespace = ?');
    params.push(filter.namespace);
  }
  if (filter.since !== undefined) {
    where.push('(end_ms IS NULL OR end_ms > ?)');
    params.push(Date.parse(filter.since));
  }
  if (filter.until !== undefined) {
    where.push('start_ms < ?');
    params.push(Date.parse(filter.until));
  }
  const clause = where.length > 0 ? ` WHERE ${where.join(' AND ')}` : '';
  return { sql: `SELECT body FROM cost_intervals${clause} ORDER BY start_ms`, params };
}

/** The durable ledger on any SqlDriver; the schema is brought up to date first. */
export async function createSqlLedger(db: SqlDriver): Promise<CostLedger> {
  await migrate(db);
  const writes = groupCommit(db);
  return {
    async record(interval) {
      checkInterval(interval);
      const body = JSON.stringify(interval);
      await writes.run(interval.end === undefined ? OPEN : CLOSE, [
        intervalKey(interval),
        interval.pod.namespace,
        Date.parse(interval.start),
        interval.end === undefined ? null : Date.parse(interval.end),
        body,
      ]);
    },
    async list(filter = {}) {
      const { sql, params } = listQuery(filter);
      const rows = await db.all<{ body: string }>(sql, params);
      return rows.map((r) => JSON.parse(r.body) as CostInterval).sort(compareIntervals);
    },
    async rollUp(before) {
      const cutoff = rollUpCutoff(before);
      return db.transaction(async (tx) => {
        const old = (
          await tx.all<{ body: string }>(
            'SELECT body FROM cost_intervals WHERE end_ms IS NOT NULL AND end_ms < ?',
            [cutoff],
          )
        )
          .map((r) => JSON.parse(r.body) as CostInterval)
          .filter((i) => isRollable(i, cutoff));
        for (const r of rollUpRows(old)) {
          await tx.run(ADD_DAILY, [
            r.day,
            r.namespace,
            r.capacityType,
            r.intervals,
            r.hours,
            r.cost,
            r.onDemandCost,
          ]);
        }
        for (const i of old) await tx.run('DELETE FROM cost_intervals WHERE key = ?', [intervalKey(i)]);
        return old.length;
      });
    },
    async daily(filter = {}) {
      const rows = await db.all<DailyRecord>(
        'SELECT day, namespace, capacity_type, intervals, hours, cost, on_demand_cost FROM cost_daily',
      );
      return rows
        .map(
          (r): CostDailyRow => ({
            day: r.day,
            namespace: r.namespace,
            capacityType: r.capacity_type,
            intervals: Number(r.intervals),
            hours: Number(r.hours),
            cost: Number(r.cost),
            onDemandCost: Number(r.on_demand_cost),
          }),
        )
        .filter((r) => dailyMatches(r, filter))
        .sort(compareDaily);
    },
    close: () => db.close(),
  };
}
