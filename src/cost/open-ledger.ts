import { type CostLedger, InputError } from '../model/index.ts';
import { describeLedger, type LedgerLocation } from './ledger-location.ts';
import { createMemoryLedger } from './memory-ledger.ts';
import { openPostgresDriver, type PostgresOptions } from './postgres-driver.ts';
import { createSqlLedger } from './sql-ledger.ts';
import { openSqliteDriver } from './sqlite-driver.ts';

/** Opens (and migrates) the ledger a location names. */
export async function openLedger(l: LedgerLocation, o: PostgresOptions = {}): Promise<CostLedger> {
  if (l.kind === 'memory') return createMemoryLedger();
  try {
    const driver = l.kind === 'sqlite' ? openSqliteDriver(l.path) : openPostgresDriver(l.url, o);
    try {
      return await createSqlLedger(driver);
    } catch (err) {
      await driver.close().catch(() => {});
      throw err;
    }
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new InputError(`cannot open the ledger at ${describeLedger(l)}: ${why}`, { field: '--ledger' });
  }
}
