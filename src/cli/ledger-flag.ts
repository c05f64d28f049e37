import { homedir } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { type LedgerLocation, parseLedgerLocation } from '../cost/ledger-location.ts';

export interface LedgerFlags {
  ledger?: string;
  dataDir: string;
}

/** Where berth keeps its state when no --data-dir is given: $XDG_STATE_HOME/berth, else ~/.local/state/berth. */
export function defaultDataDir(): string {
  return join(process.env.XDG_STATE_HOME || join(homedir(), '.local', 'state'), 'berth');
}

export const LEDGER_FILE = 'ledger.db';

/** --ledger and --data-dir, the same for `berth run` and `berth report`. */
export function addLedgerFlags(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--ledger <location>',
        `where cost intervals are kept: a SQLite file (a path or sqlite:PATH), postgres://USER:PASSWORD@HOST:PORT/DB, or memory: (nothing kept). Default: ${LEDGER_FILE} under --data-dir`,
      ).env('BERTH_LEDGER'),
    )
    .addOption(
      new Option('--data-dir <dir>', "berth's state directory (holds the default SQLite ledger)")
        .env('BERTH_DATA_DIR')
        .default(defaultDataDir()),
    );
}

export function ledgerLocationFromFlags(flags: LedgerFlags): LedgerLocation {
  return flags.ledger === undefined || flags.ledger.trim() === ''
    ? { kind: 'sqlite', path: join(flags.dataDir, LEDGER_FILE) }
    : parseLedgerLocation(flags.ledger);
}
