import type { SqlDriver } from './sql-driver.ts';

/**
 * The ledger's schema, as numbered steps applied in order at start and
 * recorded in `berth_schema_migrations`. Never edit a released step; add one.
 * The SQL is the common subset of SQLite and PostgreSQL.
 */
export const MIGRATIONS: readonly { version: number; name: string; statements: readonly string[] }[] = [
  {
    version: 1,
    name: 'cost intervals',
    statements: [
      // body: the whole interval as JSON; the other columns are what queries filter on.
      `CREATE TABLE cost_intervals (
        key TEXT PRIMARY KEY,
        namespace TEXT NOT NULL,
        start_ms BIGINT NOT NULL,
        end_ms BIGINT,
        body TEXT NOT NULL
      )`,
      'CREATE INDEX cost_intervals_start ON cost_intervals (start_ms)',
      'CREATE INDEX cost_intervals_end ON cost_intervals (end_ms)',
    ],
  },
  {
    version: 2,
    name: 'daily roll-ups',
    statements: [
      `CREATE TABLE cost_daily (
        day TEXT NOT NULL,
        namespace TEXT NOT NULL,
        capacity_type TEXT NOT NULL,
        intervals INTEGER NOT NULL,
        hours DOUBLE PRECISION NOT NULL,
        cost DOUBLE PRECISION NOT NULL,
        on_demand_cost DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (day, namespace, capacity_type)
      )`,
    ],
  },
];

/** An arbitrary constant: the advisory lock two PostgreSQL replicas starting at once take turns on. */
const MIGRATION_LOCK = 7_301_990_213;

/** Applies the steps the database lacks, in one transaction; returns the versions applied. */
export async function migrate(db: SqlDriver): Promise<number[]> {
  return db.transaction(async (tx) => {
    if (tx.dialect === 'postgres') await tx.run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    await tx.run(
      'CREATE TABLE IF NOT EXISTS berth_schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const done = new Set(
      (await tx.all<{ version: number }>('SELECT version FROM berth_schema_migrations')).map((r) =>
        Number(r.version),
      ),
    );
    const newest = Math.max(0, ...done);
    const known = Math.max(...MIGRATIONS.map((m) => m.version));
    if (newest > known) {
      throw new Error(
        `the ledger's schema is version ${newest}, newer than this berth knows (${known}); run a newer berth`,
      );
    }
    const applied: number[] = [];
    for (const m of MIGRATIONS) {
      if (done.has(m.version)) continue;
      for (const sql of m.statements) await tx.run(sql);
      await tx.run('INSERT INTO berth_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        m.version,
        m.name,
        new Date().toISOString(),
      ]);
      applied.push(m.version);
    }
    return applied;
  });
}
