import { InputError } from '../model/index.ts';

export type OutputFormat = 'table' | 'json';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json') return value;
  throw new InputError(`expected "table" or "json", got "${value}"`, { field: '--output' });
}

/** Left-aligned columns with a header row, like kubectl's default output. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Errors a person can act on are printed as one message; anything else is a
 * bug and keeps its stack.
 */
export function reportError(err: unknown): number {
  if (err instanceof InputError || (err instanceof Error && err.name === 'UserFacingError')) {
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 2;
}
