import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { intervalCost, onDemandCost } from '../../../src/cost/cost-model.ts';
import { costReport, NO_LABEL } from '../../../src/cost/report.ts';
import { formatCostReport, formatUsd } from '../../../src/cost/report-format.ts';
import type { CostInterval } from '../../../src/model/index.ts';
import { interval } from './fixtures.ts';

function pod(namespace: string, name: string, uid: string, labels: Record<string, string> = {}) {
  return { berth: `${namespace}/${name}`, pod: { namespace, name, uid }, labels };
}

// a: 1 h spot (0.04 vs 0.096); b: 2 h on-demand at 0.1; c: 1 h spot in team-b, unlabelled.
const a = interval(pod('team-a', 'build-1', 'u1', { team: 'platform' }));
const b = interval({
  ...pod('team-a', 'build-2', 'u2', { team: 'ml' }),
  capacityType: 'on-demand',
  pricePerHour: 0.1,
  onDemandPricePerHour: undefined,
  end: '2025-01-01T02:00:00Z',
});
const c = interval(pod('team-b', 'train', 'u3'));

describe('cost report', () => {
  it('groups by namespace, most expensive first', () => {
    const r = costReport([a, b, c], { groupBy: 'namespace' });
    expect(r.rows.map((row) => [row.key, row.pods])).toEqual([
      ['team-a', 2],
      ['team-b', 1],
    ]);
    const teamA = r.rows[0];
    expect(teamA?.hours).toBeCloseTo(3, 10);
    expect(teamA?.cost).toBeCloseTo(0.24, 10);
    expect(teamA?.onDemandCost).toBeCloseTo(0.296, 10);
    expect(teamA?.savings).toBeCloseTo(0.056, 10);
    expect(teamA?.savingsPct).toBeCloseTo((0.056 / 0.296) * 100, 6);
  });

  it('groups by pod as namespace/name, counting a recreated pod (new uid) twice in one row', () => {
    const again = interval({
      ...pod('team-a', 'build-1', 'u9'),
      start: '2025-01-01T03:00:00Z',
      end: '2025-01-01T04:00:00Z',
    });
    const r = costReport([a, again, c], { groupBy: 'pod' });
    expect(r.rows.map((row) => [row.key, row.pods])).toEqual([
      ['team-a/build-1', 2],
      ['team-b/train', 1],
    ]);
  });

  it('groups by a label, putting pods without it under __unallocated__', () => {
    const r = costReport([a, b, c], { groupBy: { label: 'team' } });
    // ml costs most; platform and the unlabelled tie at $0.04 and fall back to key order.
    expect(r.rows.map((row) => row.key)).toEqual(['ml', NO_LABEL, 'platform']);
    expect(r.rows.find((row) => row.key === NO_LABEL)?.pods).toBe(1);
    expect(r.rows.find((row) => row.key === 'ml')?.savings).toBeCloseTo(0, 10);
  });

  it('totals the rows and counts distinct pods', () => {
    const r = costReport([a, b, c], { groupBy: 'namespace' });
    expect(r.total.key).toBe('total');
    expect(r.total.pods).toBe(3);
    expect(r.total.cost).toBeCloseTo(0.28, 10);
    expect(r.total.onDemandCost).toBeCloseTo(0.392, 10);
    expect(r.total.savingsPct).toBeCloseTo((0.112 / 0.392) * 100, 6);
  });

  it('is empty with a zero total when nothing ran', () => {
    const r = costReport([], { groupBy: 'pod' });
    expect(r.rows).toEqual([]);
    expect(r.total).toMatchObject({ pods: 0, hours: 0, cost: 0, savings: 0, savingsPct: 0 });
  });

  it('totals equal the sum of the rows and of the intervals, for any intervals and grouping', () => {
    const arbInterval = fc
      .record({
        ns: fc.constantFrom('a', 'b', 'c'),
        name: fc.constantFrom('p', 'q'),
        uid: fc.constantFrom('1', '2', '3', '4'),
        team: fc.option(fc.constantFrom('x', 'y'), { nil: undefined }),
        startS: fc.integer({ min: 0, max: 86_400 }),
        lengthS: fc.integer({ min: 0, max: 86_400 }),
        price: fc.double({ min: 0, max: 50, noNaN: true }),
        onDemand: fc.option(fc.double({ min: 0, max: 50, noNaN: true }), { nil: undefined }),
      })
      .map(
        (v): CostInterval =>
          interval({
            ...pod(v.ns, v.name, v.uid, v.team ? { team: v.team } : {}),
            start: new Date(v.startS * 1000).toISOString(),
            end: new Date((v.startS + v.lengthS) * 1000).toISOString(),
            pricePerHour: v.price,
            onDemandPricePerHour: v.onDemand,
          }),
      );
    const arbGroup = fc.constantFrom<'namespace' | 'pod' | { label: string }>('namespace', 'pod', {
      label: 'team',
    });
    fc.assert(
      fc.property(fc.array(arbInterval, { maxLength: 30 }), arbGroup, (intervals, groupBy) => {
        const r = costReport(intervals, { groupBy });
        const sum = (f: (row: (typeof r.rows)[number]) => number) => r.rows.reduce((s, row) => s + f(row), 0);
        const close = (x: number, y: number) => Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(y));
        expect(
          close(
            r.total.cost,
            sum((row) => row.cost),
          ),
        ).toBe(true);
        expect(
          close(
            r.total.hours,
            sum((row) => row.hours),
          ),
        ).toBe(true);
        expect(
          close(
            r.total.onDemandCost,
            sum((row) => row.onDemandCost),
          ),
        ).toBe(true);
        expect(
          close(
            r.total.savings,
            sum((row) => row.savings),
          ),
        ).toBe(true);
        expect(
          close(
            r.total.cost,
            intervals.reduce((s, i) => s + intervalCost(i), 0),
          ),
        ).toBe(true);
        expect(
          close(
            r.total.onDemandCost,
            intervals.reduce((s, i) => s + onDemandCost(i), 0),
          ),
        ).toBe(true);
        expect(r.total.pods).toBe(new Set(intervals.map((i) => i.pod.uid)).size);
        expect(r.total.pods).toBeLessThanOrEqual(sum((row) => row.pods));
      }),
    );
  });
});

describe('formatted cost report', () => {
  it('prints USD with four decimals, and a minus sign only for real losses', () => {
    expect(formatUsd(0.0123)).toBe('$0.0123');
    expect(formatUsd(12.5)).toBe('$12.5000');
    expect(formatUsd(-0.1)).toBe('-$0.1000');
    expect(formatUsd(-0.00001)).toBe('$0.0000');
  });

  it('prints a header named after the grouping, one line per row, a rule and the total', () => {
    const text = formatCostReport(costReport([a, b, c], { groupBy: { label: 'team' } }));
    const lines = text.split('\n');
    expect(lines[0]).toMatch(/^LABEL team\s+PODS\s+HOURS\s+COST\s+ON-DEMAND\s+SAVINGS\s+SAVED$/);
    expect(lines[1]).toMatch(/^ml\s+1\s+2\.000\s+\$0\.2000\s+\$0\.2000\s+\$0\.0000\s+0\.0%$/);
    expect(lines).toHaveLength(6);
    expect(lines[4]).toMatch(/^-+( +-+){6}$/);
    expect(lines[5]).toMatch(/^total\s+3\s+4\.000\s+\$0\.2800\s+\$0\.3920\s+\$0\.1120\s+28\.6%$/);
    // Columns line up: every line's COST column ends at the same place.
    const costEnd = (lines[0]?.indexOf('COST') ?? 0) + 'COST'.length;
    for (const line of [lines[1], lines[5]]) expect(line?.slice(0, costEnd)).toMatch(/\$0\.\d{4}$/);
  });
});
