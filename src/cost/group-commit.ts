import type { SqlDriver, SqlParam } from './sql-driver.ts';

interface Pending {
  sql: string;
  params: readonly SqlParam[];
  resolve(): void;
  reject(err: unknown): void;
}

export interface GroupCommit {
  /** Resolves once the statement is durable, committed with whatever else was waiting. */
  run(sql: string, params: readonly SqlParam[]): Promise<void>;
}

/**
 * Statements that arrive while a commit is under way go out together in the
 * next transaction: one fsync for a burst of placements instead of one each
 * (SQLite with synchronous=FULL blocks the event loop for every commit, and
 * a burst of 1,000 pods spent a fifth of the controller's busy time there).
 * Each caller still waits until its own statement is durable. A batch that
 * fails is retried one statement at a time, so one bad row fails alone.
 */
export function groupCommit(db: SqlDriver): GroupCommit {
  let pending: Pending[] = [];
  let flushing = false;

  async function commit(batch: Pending[]): Promise<void> {
    try {
      await db.transaction(async (tx) => {
        for (const p of batch) await tx.run(p.sql, p.params);
      });
      for (const p of batch) p.resolve();
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      for (const p of batch) {
        await db.run(p.sql, p.params).then(p.resolve, p.reject);
      }
    }
  }

  async function flush(): Promise<void> {
    flushing = true;
    try {
      while (pending.length > 0) {
        const batch = pending;
        pending = [];
        await commit(batch);
      }
    } finally {
      flushing = false;
    }
  }

  return {
    run(sql, params) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ sql, params, resolve, reject });
        // Whatever else arrives in this turn of the event loop joins the same commit.
        if (!flushing && pending.length === 1) setImmediate(() => void flush());
      });
    },
  };
}
