import type { CostGroupBy, CostInterval, CostReport, CostReportRow } from '../model/index.ts';
import { billedHours, intervalCost, onDemandCost, savingsPct } from './cost-model.ts';

/** The group of pods that lack the grouping label. */
export const NO_LABEL = '<none>';

export function groupKey(i: CostInterval, groupBy: CostGroupBy): string {
  if (groupBy === 'namespace') return i.pod.namespace;
  if (groupBy === 'pod') return `${i.pod.namespace}/${i.pod.name}`;
  return i.labels[groupBy.label] ?? NO_LABEL;
}

interface Sums {
  uids: Set<string>;
  hours: number;
  cost: number;
  onDemandCost: number;
}

function toRow(key: string, s: Sums): CostReportRow {
  return {
    key,
    pods: s.uids.size,
    hours: s.hours,
    cost: s.cost,
    onDemandCost: s.onDemandCost,
    savings: s.onDemandCost - s.cost,
    savingsPct: savingsPct(s.cost, s.onDemandCost),
  };
}

function emptySums(): Sums {
  return { uids: new Set(), hours: 0, cost: 0, onDemandCost: 0 };
}

/** Cost per namespace, pod or label value, most expensive first, with a total that is the sum of the rows. */
export function costReport(
  intervals: readonly CostInterval[],
  options: { groupBy: CostGroupBy; now?: number },
): CostReport {
  const now = options.now ?? Date.now();
  const groups = new Map<string, Sums>();
  for (const i of intervals) {
    const key = groupKey(i, options.groupBy);
    let s = groups.get(key);
    if (!s) {
      s = emptySums();
      groups.set(key, s);
    }
    s.uids.add(i.pod.uid);
    s.hours += billedHours(i, now);
    s.cost += intervalCost(i, now);
    s.onDemandCost += onDemandCost(i, now);
  }
  const rows = [...groups].map(([key, s]) => toRow(key, s));
  rows.sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));

  // Summed from the rows (not the intervals) so the total row is exactly what the table adds up to.
  const total = emptySums();
  for (const i of intervals) total.uids.add(i.pod.uid);
  for (const r of rows) {
    total.hours += r.hours;
    total.cost += r.cost;
    total.onDemandCost += r.onDemandCost;
  }
  return { groupBy: options.groupBy, rows, total: toRow('total', total) };
}

/** USD with four decimals: single pods often cost fractions of a cent. */
export function formatUsd(usd: number): string {
  const text = `$${Math.abs(usd).toFixed(4)}`;
  return usd < 0 && text !== '$0.0000' ? `-${text}` : text;
}

function header(groupBy: CostGroupBy): string {
  if (groupBy === 'namespace') return 'NAMESPACE';
  if (groupBy === 'pod') return 'POD';
  return `LABEL ${groupBy.label}`;
}

function cells(r: CostReportRow): string[] {
  return [
    r.key,
    String(r.pods),
    r.hours.toFixed(3),
    formatUsd(r.cost),
    formatUsd(r.onDemandCost),
    formatUsd(r.savings),
    `${r.savingsPct.toFixed(1)}%`,
  ];
}

/** A plain-text table, names left-aligned and numbers right-aligned, the total under a rule. */
export function formatCostReport(report: CostReport): string {
  const head = [header(report.groupBy), 'PODS', 'HOURS', 'COST', 'ON-DEMAND', 'SAVINGS', 'SAVED'];
  const body = report.rows.map(cells);
  const total = cells(report.total);
  const all = [head, ...body, total];
  const widths = head.map((_, c) => Math.max(...all.map((row) => (row[c] ?? '').length)));
  const line = (row: string[]): string =>
    row
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(head), ...body.map(line), rule, line(total)].join('\n');
}
