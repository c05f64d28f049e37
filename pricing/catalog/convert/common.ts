import type { Arch } from '../../../src/model/index.ts';
import { InputError } from '../../../src/model/index.ts';
import type { ShapeRow, SourceRef } from '../schema.ts';
import type { RawSource } from '../sources.ts';

/**
 * Natural order (`m5.2xlarge` < `m5.12xlarge`), written out rather than
 * borrowed from Intl so the committed files sort the same on every machine.
 */
export function naturalCompare(a: string, b: string): number {
  const chunk = /(\d+)|(\D+)/g;
  const as = a.match(chunk) ?? [];
  const bs = b.match(chunk) ?? [];
  for (let i = 0; i < Math.min(as.length, bs.length); i++) {
    const x = as[i] ?? '';
    const y = bs[i] ?? '';
    if (x === y) continue;
    const xNum = /^\d/.test(x);
    const yNum = /^\d/.test(y);
    if (xNum && yNum) {
      const diff = Number(x) - Number(y);
      if (diff !== 0) return diff;
      return x.length - y.length; // "01" after "1", so the order stays total
    }
    return x < y ? -1 : 1;
  }
  if (as.length !== bs.length) return as.length - bs.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The clouds' architecture names in Kubernetes spelling. A list (AWS gives
 * every supported one) maps to its first usable entry; Mac and 32-bit-only
 * machines have no Kubernetes node image, so they map to undefined.
 */
export function toKubeArch(arch: string | readonly string[] | null | undefined): Arch | undefined {
  const names = arch == null ? [] : typeof arch === 'string' ? [arch] : arch;
  if (names.includes('x86_64') || names.includes('amd64')) return 'amd64';
  if (names.includes('arm64') || names.includes('aarch64')) return 'arm64';
  return undefined;
}

/** A date from a source (`2026-07-20T13:44:30Z`, `2026-01-22 (note)`, `...+03:00`) as ISO-8601 UTC. */
export function isoTime(value: string, where: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})(?:[T ]([\d:.]+)(Z|[+-]\d{2}:?\d{2})?)?/.exec(value.trim());
  // A time without a zone is read as UTC, never as this machine's local time.
  const date = match ? new Date(`${match[1]}T${match[2] ?? '00:00:00'}${match[3] ?? 'Z'}`) : undefined;
  if (!date || Number.isNaN(date.getTime())) {
    throw new InputError(`expected an ISO-8601 date, got "${value}"`, { source: where });
  }
  return date.toISOString();
}

/** The older of two ISO times: a price derived from two tables is only as fresh as the older one. */
export function olderOf(a: string, b: string): string {
  return a < b ? a : b;
}

/** Derived prices keep six significant digits, so float noise never reaches the committed files. */
export function roundPrice(value: number): number {
  return Number(value.toPrecision(6));
}

/** Enough of a commit to find it, as the sources' README writes it. */
export function shortCommit(commit: string): string {
  return commit.slice(0, 12);
}

/** Collects what the builder leaves out, by reason, for the files' `skipped` section. */
export class SkipLog {
  private readonly byReason = new Map<string, Set<string>>();

  add(reason: string, name: string): void {
    let names = this.byReason.get(reason);
    if (!names) {
      names = new Set();
      this.byReason.set(reason, names);
    }
    names.add(name);
  }

  toRecord(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const reason of [...this.byReason.keys()].sort(naturalCompare)) {
      out[reason] = [...(this.byReason.get(reason) ?? [])].sort(naturalCompare);
    }
    return out;
  }
}

/**
 * A source of the sources as the catalog files cite it. The data date is the
 * generation time when the source records one, else the date of the file's
 * last commit; a source with neither is a builder error, not a silent gap.
 */
export function toSourceRef(
  raw: {
    repo: string;
    commit: string;
    path: string;
    license: string;
    generatedAt?: string | null;
    fileLastCommit?: { date: string };
    note?: string;
  },
  via: string,
  note?: string,
): SourceRef {
  const date = raw.generatedAt ?? raw.fileLastCommit?.date;
  if (!date) throw new InputError('source has neither generatedAt nor fileLastCommit.date', { source: via });
  const text = [note ?? raw.note, `via catalog-sources/${via}`].filter(Boolean).join(' ');
  return {
    repo: raw.repo,
    commit: raw.commit,
    path: raw.path,
    license: raw.license,
    dataDate: isoTime(date, via),
    note: text,
  };
}

/** The shapes some price table refers to, in natural order: a shape nobody sells is noise. */
export function usedShapes<S>(
  shapes: ReadonlyMap<string, S>,
  regions: Readonly<
    Record<string, Readonly<Record<string, { prices: Readonly<Record<string, number>> } | undefined>>>
  >,
): Record<string, S> {
  const used = new Set<string>();
  for (const tables of Object.values(regions)) {
    for (const table of Object.values(tables)) {
      for (const type of Object.keys(table?.prices ?? {})) used.add(type);
    }
  }
  const out: Record<string, S> = {};
  for (const type of [...used].sort(naturalCompare)) {
    const shape = shapes.get(type);
    if (shape !== undefined) out[type] = shape;
  }
  return out;
}

export const SKIP_ZERO_SIZE = 'vCPU or memory reported as 0 in the sources';

/** A shape must have some CPU and some memory; the sources occasionally round a small size to 0. */
export function hasSize(spec: { vcpu: number; memoryMiB: number }): boolean {
  return spec.vcpu > 0 && Math.round(spec.memoryMiB) > 0;
}

/** A machine's shape, or why the sources can't give one. */
export type ShapeResult = { shape: ShapeRow } | { skip: string };

/** Each type's shape worked out once; a type without one is logged as skipped and left out. */
export function shapeCache(
  resolve: (type: string) => ShapeResult,
  skipped: SkipLog,
): { shapes: Map<string, ShapeRow>; shapeOf: (type: string) => ShapeRow | undefined } {
  const shapes = new Map<string, ShapeRow>();
  const shapeOf = (type: string): ShapeRow | undefined => {
    const known = shapes.get(type);
    if (known) return known;
    const result = resolve(type);
    if ('skip' in result) {
      skipped.add(result.skip, type);
      return undefined;
    }
    shapes.set(type, result.shape);
    return result.shape;
  };
  return { shapes, shapeOf };
}

/** When a price file's data dates from, and the repository@commit it came from. */
export function priceOrigin(source: RawSource, file: string): { observedAt: string; origin: string } {
  return {
    observedAt: isoTime(source.generatedAt ?? source.fileLastCommit?.date ?? '', file),
    origin: `${source.repo}@${shortCommit(source.commit)}`,
  };
}
