import { InputError } from '../model/index.ts';

/*
 * Kept apart from the drivers (open-ledger.ts), so a command checks its flags
 * before it loads SQLite and PostgreSQL.
 */

/** Where the ledger lives, as `--ledger` names it. */
export type LedgerLocation =
  | { kind: 'memory' }
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; url: string };

/**
 * `postgres://…` or `postgresql://…`: PostgreSQL; `sqlite:PATH` or a plain
 * path: a SQLite file; `memory:`: nothing kept past the process.
 */
export function parseLedgerLocation(value: string, field = '--ledger'): LedgerLocation {
  const v = value.trim();
  if (v === '') throw new InputError('expected a file path, sqlite:PATH, postgres://… or memory:', { field });
  if (v === 'memory:') return { kind: 'memory' };
  if (/^postgres(ql)?:\/\//i.test(v)) return { kind: 'postgres', url: v };
  if (/^sqlite:/i.test(v)) {
    const path = v.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new InputError('sqlite: needs a file path, e.g. sqlite:./ledger.db', { field });
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) {
    throw new InputError(
      `unsupported ledger URL "${v.split('://')[0]}://": use postgres://, sqlite: or a path`,
      {
        field,
      },
    );
  }
  return { kind: 'sqlite', path: v };
}

/** Where a location points, with any password hidden, for logs. */
export function describeLedger(l: LedgerLocation): string {
  if (l.kind === 'memory') return 'memory';
  if (l.kind === 'sqlite') return `sqlite:${l.path}`;
  return l.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
