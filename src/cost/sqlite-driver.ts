import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { SqlDriver, SqlParam } from './sql-driver.ts';

/**
 * SQLite in one file (better-sqlite3). WAL lets `berth report` read while the
 * controller writes; synchronous=FULL makes a committed interval survive a
 * power cut, not only a crash. Calls are queued so a transaction's statements
 * never interleave with another caller's on the one connection.
 */
export function openSqliteDriver(path: string): SqlDriver {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T> | T): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => {});
    return next;
  };
  const direct: SqlDriver = {
    dialect: 'sqlite',
    async run(sql, params: readonly SqlParam[] = []) {
      db.prepare(sql).run(...params);
    },
    async all<T extends object>(sql: string, params: readonly SqlParam[] = []) {
      return db.prepare(sql).all(...params) as T[];
    },
    async transaction(fn) {
      db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(direct);
        db.exec('COMMIT');
        return result;
      } catch (err) {
        db.exec('ROLLBACK');
        throw err;
      }
    },
    async close() {
      db.close();
    },
  };
  return {
    dialect: 'sqlite',
    run: (sql, params) => serial(() => direct.run(sql, params)),
    all: (sql, params) => serial(() => direct.all(sql, params)),
    transaction: (fn) => serial(() => direct.transaction(fn)),
    close: () => serial(() => direct.close()),
  };
}
