import type { CostGroupBy, CostReport, CostReportRow, StaticPoolBaseline } from '../model/index.ts';
import { groupName } from './report.ts';

/** USD with four decimals: single pods often cost fractions of a cent. */
export function formatUsd(usd: number): string {
  const text = `$${Math.abs(usd).toFixed(4)}`;
  return usd < 0 && text !== '$0.0000' ? `-${text}` : text;
}

/** `3 x m5.large at $0.0960/h + 1 x g5.xlarge at $1.0060/h` */
export function describePools(b: StaticPoolBaseline): string {
  return b.pools.map((p) => `${p.nodes} x ${p.instanceType} at ${formatUsd(p.pricePerHour)}/h`).join(' + ');
}

function header(groupBy: readonly CostGroupBy[]): string {
  return groupBy.map((g) => (typeof g === 'string' ? g.toUpperCase() : `LABEL ${g.label}`)).join('/');
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

/** A plain-text table, names left-aligned and numbers right-aligned, the total under a rule, the baseline last. */
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
  const out = [line(head), ...body.map(line), rule, line(total)];
  if (report.window) out.unshift(`window ${report.window.start} .. ${report.window.end}`);
  const p = report.staticPool;
  if (p) {
    out.push(
      '',
      `static pool baseline: ${describePools(p)} on demand for ${p.hours.toFixed(2)} h = ${formatUsd(p.cost)}; berth saved ${formatUsd(p.savings)} (${p.savingsPct.toFixed(1)}%)`,
    );
  }
  return out.join('\n');
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One line per row and a `total` line; the grouping values in their own columns. */
export function costReportCsv(report: CostReport): string {
  const names = report.groupBy.map(groupName);
  const head = [
    ...names,
    'pods',
    'start',
    'end',
    'minutes',
    'cpuCost',
    'ramCost',
    'gpuCost',
    'totalCost',
    'onDemandCost',
    'savings',
    'savingsPct',
    'capacityTypes',
    'priceSources',
  ];
  const line = (r: CostReportRow, total: boolean) =>
    [
      ...names.map((n, k) => (total ? (k === 0 ? 'total' : '') : (r.properties[n] ?? ''))),
      r.pods,
      r.start ?? '',
      r.end ?? '',
      r.minutes,
      r.cpuCost,
      r.ramCost,
      r.gpuCost,
      r.cost,
      r.onDemandCost,
      r.savings,
      r.savingsPct,
      r.capacityTypes.join(' '),
      r.priceSources.join('; '),
    ]
      .map(csvCell)
      .join(',');
  return [head.join(','), ...report.rows.map((r) => line(r, false)), line(report.total, true)].join('\n');
}
