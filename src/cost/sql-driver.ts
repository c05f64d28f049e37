/**
 * The little a SQL ledger needs from a database, so one ledger
 * (sql-ledger.ts) runs on SQLite and PostgreSQL alike. Statements use `?`
 * placeholders; the PostgreSQL driver numbers them.
 */
export type SqlParam = string | number | null;

export interface SqlDriver {
  readonly dialect: 'sqlite' | 'postgres';
  /** A statement; resolves once it is durable (or part of the transaction it runs in). */
  run(sql: string, params?: readonly SqlParam[]): Promise<void>;
  all<T extends object>(sql: string, params?: readonly SqlParam[]): Promise<T[]>;
  /** `fn` runs in one transaction: all of it commits or none of it does. */
  transaction<T>(fn: (tx: SqlDriver) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `?` placeholders become `$1`, `$2`, … (PostgreSQL); our statements have no `?` in literals. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
