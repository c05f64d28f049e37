import { type CostInterval, type CostLedgerFilter, InputError } from '../model/index.ts';

/**
 * What every ledger needs to agree on about an interval: its identity, what
 * makes it valid, and whether it falls in a report's window.
 */

/**
 * (berth, pod uid, start): the launch step and a repeated teardown of the
 * same machine yield the same key. Plain text (no NUL), so SQL backends store it as is.
 */
export function intervalKey(i: Pick<CostInterval, 'berth' | 'pod' | 'start'>): string {
  return JSON.stringify([i.berth, i.pod.uid, Date.parse(i.start)]);
}

function checkTime(i: CostInterval, field: 'start' | 'end'): number {
  const t = Date.parse(i[field] ?? '');
  if (Number.isNaN(t)) {
    throw new InputError(`expected an RFC 3339 time, got ${JSON.stringify(i[field])}`, {
      object: `cost interval of ${i.berth}`,
      field,
    });
  }
  return t;
}

function checkPrice(i: CostInterval, field: 'pricePerHour' | 'onDemandPricePerHour'): void {
  const v = i[field];
  if (v !== undefined && !(Number.isFinite(v) && v >= 0)) {
    throw new InputError(`expected a non-negative USD/h, got ${v}`, {
      object: `cost interval of ${i.berth}`,
      field,
    });
  }
}

/** Throws InputError naming the field when the interval could not be costed. */
export function checkInterval(i: CostInterval): void {
  const start = checkTime(i, 'start');
  const end = i.end === undefined ? start : checkTime(i, 'end');
  if (end < start) {
    throw new InputError(`ends (${i.end}) before it starts (${i.start})`, {
      object: `cost interval of ${i.berth}`,
      field: 'end',
    });
  }
  checkPrice(i, 'pricePerHour');
  checkPrice(i, 'onDemandPricePerHour');
}

/** Overlap, not containment: an interval that straddles the window's edge is in it. */
export function matchesFilter(i: CostInterval, filter: CostLedgerFilter = {}): boolean {
  if (filter.namespace !== undefined && i.pod.namespace !== filter.namespace) return false;
  // An open interval runs on, so it reaches past any `since`.
  if (filter.since !== undefined && i.end !== undefined && Date.parse(i.end) <= Date.parse(filter.since))
    return false;
  if (filter.until !== undefined && Date.parse(i.start) >= Date.parse(filter.until)) return false;
  return true;
}

/** Oldest first, ties by berth then pod uid, so listings are stable. */
export function compareIntervals(a: CostInterval, b: CostInterval): number {
  return (
    Date.parse(a.start) - Date.parse(b.start) ||
    a.berth.localeCompare(b.berth) ||
    a.pod.uid.localeCompare(b.pod.uid)
  );
}
