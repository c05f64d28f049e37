import { naturalCompare } from './convert/common.ts';

/**
 * Stable JSON for committed data: keys in natural order, two-space indent,
 * and any value whose one-line form is short written on one line, so a price
 * change is a one-line diff and rebuilding unchanged sources changes nothing.
 */
const INLINE_WIDTH = 100;
const PACKED_WIDTH = 120;

export function formatCatalogJson(value: unknown): string {
  return `${write(value, '')}\n`;
}

function write(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const compact = JSON.stringify(sortKeys(value));
  if (compact.length + indent.length <= INLINE_WIDTH) return compact;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + write(v, inner)).join(',\n')}\n${indent}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(naturalCompare);
  if (keys.length === 0) return '{}';
  const entries = keys.map((k) => `${JSON.stringify(k)}: ${write(record[k], inner)}`);
  // Price tables (every value a number) are long: pack several rows per line to keep files small.
  const lines = keys.every((k) => typeof record[k] === 'number')
    ? pack(entries, inner)
    : entries.map((e) => inner + e);
  return `{\n${lines.join(',\n')}\n${indent}}`;
}

function pack(entries: readonly string[], indent: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const entry of entries) {
    if (line !== '' && indent.length + line.length + entry.length + 2 > PACKED_WIDTH) {
      lines.push(indent + line);
      line = '';
    }
    line = line === '' ? entry : `${line}, ${entry}`;
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}

function sortKeys(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(sortKeys);
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort(naturalCompare)) {
    const v = (value as Record<string, unknown>)[k];
    if (v !== undefined) out[k] = sortKeys(v);
  }
  return out;
}
