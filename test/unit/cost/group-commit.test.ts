import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../../src/cost/group-commit.ts';
import type { SqlDriver } from '../../../src/cost/sql-driver.ts';
import { openSqliteDriver } from '../../../src/cost/sqlite-driver.ts';

/** The real SQLite driver, counting the transactions it is asked for. */
async function counted(): Promise<{ db: SqlDriver; transactions: () => number }> {
  const db = openSqliteDriver(':memory:');
  await db.run('CREATE TABLE t (k TEXT PRIMARY KEY, v INTEGER NOT NULL)');
  let n = 0;
  return {
    transactions: () => n,
    db: {
      ...db,
      transaction: (fn) => {
        n += 1;
        return db.transaction(fn);
      },
    },
  };
}

describe('groupCommit', () => {
  it('commits statements that arrive together in one transaction, each caller waiting for its own', async () => {
    const { db, transactions } = await counted();
    const writes = groupCommit(db);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => writes.run('INSERT INTO t VALUES (?, ?)', [`k${i}`, i])),
    );
    expect(await db.all('SELECT count(*) AS n FROM t')).toEqual([{ n: 100 }]);
    expect(transactions()).toBeLessThanOrEqual(2);
  });

  it('keeps the order of statements on one key', async () => {
    const { db } = await counted();
    const writes = groupCommit(db);
    await Promise.all([
      writes.run('INSERT INTO t VALUES (?, ?) ON CONFLICT (k) DO NOTHING', ['a', 1]),
      writes.run('INSERT INTO t VALUES (?, ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v', ['a', 2]),
    ]);
    expect(await db.all('SELECT v FROM t WHERE k = ?', ['a'])).toEqual([{ v: 2 }]);
  });

  it('fails only the bad statement of a batch, and commits the others', async () => {
    const { db } = await counted();
    const writes = groupCommit(db);
    const outcomes = await Promise.allSettled([
      writes.run('INSERT INTO t VALUES (?, ?)', ['good-1', 1]),
      writes.run('INSERT INTO t VALUES (?, ?)', ['bad', null]),
      writes.run('INSERT INTO t VALUES (?, ?)', ['good-2', 2]),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(await db.all('SELECT k FROM t ORDER BY k')).toEqual([{ k: 'good-1' }, { k: 'good-2' }]);
  });

  it('takes statements that arrive during a commit in the next one', async () => {
    const { db, transactions } = await counted();
    const writes = groupCommit(db);
    const first = writes.run('INSERT INTO t VALUES (?, ?)', ['a', 1]);
    await new Promise((r) => setImmediate(r));
    const later = Array.from({ length: 10 }, (_, i) =>
      writes.run('INSERT INTO t VALUES (?, ?)', [`b${i}`, i]),
    );
    await Promise.all([first, ...later]);
    expect(await db.all('SELECT count(*) AS n FROM t')).toEqual([{ n: 11 }]);
    expect(transactions()).toBe(2);
  });
});
