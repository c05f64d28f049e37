import pg from 'pg';
import { numberPlaceholders, type SqlDriver, type SqlParam } from './sql-driver.ts';

export interface PostgresOptions {
  /** How long a statement is retried while the server is unreachable or restarting, before it fails. */
  retryForMs?: number;
  /** Told about each retry, so a long outage shows in the log. */
  onRetry?: (err: unknown, attempt: number) => void;
}

/** SQLSTATEs that mean "the server is going or coming back", not "the statement is wrong". */
const TRANSIENT_STATES = new Set(['57P01', '57P02', '57P03', '53300', '40001', '40P01']);
const TRANSIENT_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN']);

/** Worth retrying: a connection lost or refused, or the server restarting. */
export function isTransient(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_STATES.has(code) || TRANSIENT_ERRNOS.has(code))) return true;
  if (typeof code === 'string' && code.startsWith('08')) return true; // connection exceptions
  return /Connection terminated|terminating connection|the database system is (starting up|shutting down)/i.test(
    err.message,
  );
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * PostgreSQL through a small pool (`pg`). A write is retried with backoff
 * while the server is unreachable (a restart, a failover), never dropped:
 * after `retryForMs` it fails to the caller, whose step is retried in turn.
 */
export function openPostgresDriver(url: string, o: PostgresOptions = {}): SqlDriver {
  const pool = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 });
  // A client whose server goes away emits 'error' (idle in the pool, or checked out between two
  // queries); unheard, that would end the process. The statement that needed it fails and is retried.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const retryForMs = o.retryForMs ?? 60_000;
  const retrying = async <T>(fn: () => Promise<T>): Promise<T> => {
    const deadline = Date.now() + retryForMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (!isTransient(err) || Date.now() >= deadline) throw err;
        o.onRetry?.(err, attempt);
        await sleep(Math.min(2_000, 100 * 2 ** (attempt - 1)));
      }
    }
  };
  const on = (client: pg.ClientBase): SqlDriver => ({
    dialect: 'postgres',
    async run(sql, params: readonly SqlParam[] = []) {
      await client.query(numberPlaceholders(sql), [...params]);
    },
    async all<T extends object>(sql: string, params: readonly SqlParam[] = []) {
      return (await client.query(numberPlaceholders(sql), [...params])).rows as T[];
    },
    transaction: () => Promise.reject(new Error('nested transactions are not supported')),
    close: () => Promise.resolve(),
  });
  const withClient = <T>(fn: (c: pg.PoolClient) => Promise<T>) =>
    retrying(async () => {
      const client = await pool.connect();
      let broken: unknown;
      try {
        return await fn(client);
      } catch (err) {
        broken = isTransient(err) ? err : undefined;
        throw err;
      } finally {
        // A client whose connection broke is thrown away, not handed to the next caller.
        client.release(broken instanceof Error ? broken : undefined);
      }
    });
  return {
    dialect: 'postgres',
    run: (sql, params) => withClient((c) => on(c).run(sql, params)),
    all: (sql, params) => withClient((c) => on(c).all(sql, params)),
    transaction: (fn) =>
      withClient(async (c) => {
        await c.query('BEGIN');
        try {
          const result = await fn(on(c));
          await c.query('COMMIT');
          return result;
        } catch (err) {
          await c.query('ROLLBACK').catch(() => {});
          throw err;
        }
      }),
    close: () => pool.end(),
  };
}
