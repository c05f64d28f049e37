import { InputError } from '../model/index.ts';

/** A report's time range, in ms since the epoch: [start, end). */
export interface Window {
  start: number;
  end: number;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

function startOfUtcDay(ms: number): number {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
}

function instant(text: string, field: string): number {
  const t = /^\d+$/.test(text) ? Number(text) * 1000 : Date.parse(text);
  if (Number.isNaN(t)) {
    throw new InputError(`expected an RFC 3339 time or Unix seconds, got "${text}"`, { field });
  }
  return t;
}

/**
 * The window forms OpenCost accepts that a chargeback needs: `today` and
 * `yesterday` (UTC days), `week` and `month` (the last 7 and 30 days), a
 * duration back from now (`30m`, `12h`, `7d`), or `START,END` as RFC 3339
 * times or Unix seconds.
 */
export function parseWindow(value: string, now: number = Date.now(), field = '--window'): Window {
  const v = value.trim();
  if (v === 'today') return { start: startOfUtcDay(now), end: now };
  if (v === 'yesterday') return { start: startOfUtcDay(now) - UNIT_MS.d!, end: startOfUtcDay(now) };
  if (v === 'week') return { start: now - 7 * UNIT_MS.d!, end: now };
  if (v === 'month') return { start: now - 30 * UNIT_MS.d!, end: now };
  const d = /^(\d+(?:\.\d+)?)([mhd])$/.exec(v);
  if (d) {
    const ms = Number(d[1]) * UNIT_MS[d[2]!]!;
    if (ms <= 0) throw new InputError(`the window "${v}" is empty`, { field });
    return { start: now - ms, end: now };
  }
  const parts = v.split(',');
  if (parts.length === 2) {
    const start = instant(parts[0]!.trim(), field);
    const end = instant(parts[1]!.trim(), field);
    if (end <= start)
      throw new InputError(`the window ends (${parts[1]}) before it starts (${parts[0]})`, { field });
    return { start, end };
  }
  throw new InputError(
    `expected today, yesterday, week, month, a duration like 30m, 12h or 7d, or START,END (RFC 3339 or Unix seconds), got "${value}"`,
    { field },
  );
}

/** ms of [a, b) inside the window. */
export function overlapMs(a: number, b: number, w: Window): number {
  return Math.max(0, Math.min(b, w.end) - Math.max(a, w.start));
}
