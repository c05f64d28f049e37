import { describe, expect, it } from 'vitest';
import { staticPoolBaseline } from '../../../src/cost/baseline.ts';
import { costReportCsv } from '../../../src/cost/report-format.ts';
import { costReport, NO_LABEL, parseGroupBy, ROLLED_UP } from '../../../src/cost/report.ts';
import { splitCost, splitFractions } from '../../../src/cost/split.ts';
import { parseWindow } from '../../../src/cost/window.ts';
import { InputError } from '../../../src/model/index.ts';
import { interval } from './fixtures.ts';

const H = 3_600_000;
const t0 = Date.parse('2025-01-01T00:00:00Z');
const at = (h: number) => new Date(t0 + h * H).toISOString();
const m5 = { cpu: 2000, memoryMiB: 8192 };

describe('report window', () => {
  const now = Date.parse('2025-01-10T15:30:00Z');
  it('reads today, yesterday, durations and START,END', () => {
    expect(parseWindow('today', now)).toEqual({ start: Date.parse('2025-01-10T00:00:00Z'), end: now });
    expect(parseWindow('yesterday', now)).toEqual({
      start: Date.parse('2025-01-09T00:00:00Z'),
      end: Date.parse('2025-01-10T00:00:00Z'),
    });
    expect(parseWindow('7d', now)).toEqual({ start: now - 7 * 24 * H, end: now });
    expect(parseWindow('30m', now)).toEqual({ start: now - 30 * 60_000, end: now });
    expect(parseWindow('2025-01-01T00:00:00Z,2025-01-02T00:00:00Z')).toEqual({ start: t0, end: t0 + 24 * H });
    expect(parseWindow('1735689600,1735776000')).toEqual({ start: t0, end: t0 + 24 * H });
  });
  it('names the flag when the window is wrong', () => {
    expect(() => parseWindow('fortnight', now)).toThrow(InputError);
    expect(() => parseWindow('fortnight', now)).toThrow(/--window/);
    expect(() => parseWindow('2025-01-02T00:00:00Z,2025-01-01T00:00:00Z', now)).toThrow(/before it starts/);
    expect(() => parseWindow('x,y', now, 'window')).toThrow(/window/);
  });
});

describe('report groupings', () => {
  it('parses several groupings and rejects unknown ones', () => {
    expect(parseGroupBy('namespace,label:team,instance-type')).toEqual([
      'namespace',
      { label: 'team' },
      'instance-type',
    ]);
    expect(() => parseGroupBy('node')).toThrow(/unknown grouping "node"/);
    expect(() => parseGroupBy('label:')).toThrow(InputError);
  });

  it('makes one row per combination, keyed like OpenCost (values joined by /)', () => {
    const a = interval({ controller: 'Job/build' });
    const b = interval({
      berth: 'team-a/b',
      pod: { namespace: 'team-a', name: 'b', uid: 'u2' },
      capacityType: 'on-demand',
    });
    const r = costReport([a, b], { groupBy: ['namespace', 'capacity-type', 'controller'] });
    expect(r.rows.map((x) => x.key).sort()).toEqual([
      `team-a/on-demand/${NO_LABEL}`,
      'team-a/spot/Job/build',
    ]);
    expect(r.rows.find((x) => x.key === 'team-a/spot/Job/build')?.properties).toEqual({
      namespace: 'team-a',
      'capacity-type': 'spot',
      controller: 'Job/build',
    });
  });
});

describe('cost split into cpu, ram and gpu', () => {
  it('adds up to the cost, weights a GPU heavily and treats an unknown size as 1 vCPU : 4 GiB', () => {
    const parts = splitCost(1, { cpu: 8000, memoryMiB: 61_440, gpus: 1 });
    expect(parts.cpu + parts.ram + parts.gpu).toBeCloseTo(1, 12);
    expect(parts.gpu).toBeGreaterThan(0.8);
    expect(splitCost(1, m5).gpu).toBe(0);
    expect(splitFractions(undefined)).toEqual(splitFractions({ cpu: 1000, memoryMiB: 4096 }));
  });

  it('rows carry the parts, summing to the cost', () => {
    const r = costReport([interval({ machine: m5 })], { groupBy: 'namespace' });
    const row = r.rows[0]!;
    expect(row.cpuCost + row.ramCost + row.gpuCost).toBeCloseTo(row.cost, 12);
    expect(row.minutes).toBeCloseTo(60, 9);
    expect(row.priceSources).toEqual([]);
  });
});

describe('report window clipping', () => {
  it('counts the share of an interval inside the window, so adjacent windows add up', () => {
    const i = interval({ start: at(0), end: at(4), machine: m5 });
    const first = costReport([i], { groupBy: 'namespace', window: { start: t0, end: t0 + H } });
    const rest = costReport([i], { groupBy: 'namespace', window: { start: t0 + H, end: t0 + 10 * H } });
    const whole = costReport([i], { groupBy: 'namespace' });
    expect(first.total.cost).toBeCloseTo(whole.total.cost / 4, 12);
    expect(first.total.cost + rest.total.cost).toBeCloseTo(whole.total.cost, 12);
    expect(first.rows[0]?.end).toBe(at(1));
  });

  it('counts a running machine up to now', () => {
    const { end: _, ...running } = interval({ start: at(0) });
    const r = costReport([running], {
      groupBy: 'namespace',
      window: { start: t0, end: t0 + 24 * H },
      now: t0 + 2 * H,
    });
    expect(r.total.cost).toBeCloseTo(0.08, 12);
  });

  it('counts daily roll-ups under their namespace, and under __rolled_up__ for groupings they do not keep', () => {
    const daily = [
      {
        day: '2025-01-01',
        namespace: 'team-a',
        capacityType: 'spot' as const,
        intervals: 3,
        hours: 3,
        cost: 0.12,
        onDemandCost: 0.3,
      },
    ];
    const byNs = costReport([interval()], { groupBy: 'namespace', daily });
    expect(byNs.rows).toHaveLength(1);
    expect(byNs.total.cost).toBeCloseTo(0.16, 12);
    const byPod = costReport([interval()], { groupBy: 'pod', daily });
    expect(byPod.rows.map((r) => r.key).sort()).toEqual([ROLLED_UP, 'team-a/build-1']);
  });

  it('writes CSV with the grouping values in their own columns and a total line', () => {
    const r = costReport([interval({ labels: { team: 'a,b' } })], {
      groupBy: ['namespace', { label: 'team' }],
    });
    const lines = costReportCsv(r).split('\n');
    expect(lines[0]?.startsWith('namespace,label:team,pods,')).toBe(true);
    expect(lines[1]?.startsWith('team-a,"a,b",1,')).toBe(true);
    expect(lines[2]?.startsWith('total,,1,')).toBe(true);
  });
});

describe('static pool baseline', () => {
  const pod = (n: number, start: number, end: number, over = {}) =>
    interval({
      berth: `team-a/p${n}`,
      pod: { namespace: 'team-a', name: `p${n}`, uid: `u${n}` },
      start: at(start),
      end: at(end),
      machine: m5,
      ...over,
    });

  it('is sized for the peak concurrent demand and runs the whole window at the on-demand price', () => {
    // Three m5.large (2 vCPU, 8 GiB) at once at the peak, one otherwise.
    const intervals = [pod(1, 0, 10), pod(2, 2, 3), pod(3, 2.5, 4)];
    const b = staticPoolBaseline(intervals, { start: t0, end: t0 + 24 * H })!;
    expect(b.hours).toBe(24);
    expect(b.pools).toEqual([
      {
        kind: 'general',
        instanceType: 'm5.large',
        nodes: 3,
        pricePerHour: 0.096,
        peak: { cpu: 6000, memoryMiB: 24_576, gpus: 0 },
      },
    ]);
    expect(b.cost).toBeCloseTo(3 * 0.096 * 24, 12);
  });

  it('does not count a machine that ends as another starts twice', () => {
    const b = staticPoolBaseline([pod(1, 0, 2), pod(2, 2, 4)], { start: t0, end: t0 + 4 * H })!;
    expect(b.pools[0]?.nodes).toBe(1);
  });

  it('picks the cheapest type for the same demand, fitting by totals', () => {
    const big = {
      instanceType: 'm5.2xlarge',
      machine: { cpu: 8000, memoryMiB: 32_768 },
      onDemandPricePerHour: 0.384,
    };
    // Four m5.large at once: 4 x 0.096 = one m5.2xlarge at 0.384; a tie goes to the name first in order.
    const intervals = [pod(1, 0, 1), pod(2, 0, 1), pod(3, 0, 1), pod(4, 0, 1), pod(5, 5, 6, big)];
    const b = staticPoolBaseline(intervals, { start: t0, end: t0 + 6 * H })!;
    expect(b.cost).toBeCloseTo(0.384 * 6, 12);
    expect(b.pools[0]?.instanceType).toBe('m5.2xlarge');
  });

  it('runs a GPU pool for the GPU machines beside the general one, and is absent when no type is known', () => {
    const gpu = {
      instanceType: 'g5.xlarge',
      machine: { cpu: 4000, memoryMiB: 16_384, gpus: 1 },
      capacityType: 'on-demand' as const,
      pricePerHour: 1.006,
      onDemandPricePerHour: undefined,
    };
    const b = staticPoolBaseline([pod(1, 0, 1), pod(2, 0, 1, gpu)], { start: t0, end: t0 + H })!;
    expect(b.pools.map((p) => [p.kind, p.instanceType, p.nodes])).toEqual([
      ['gpu', 'g5.xlarge', 1],
      ['general', 'm5.large', 1],
    ]);
    expect(b.cost).toBeCloseTo(1.006 + 0.096, 12);
    expect(staticPoolBaseline([interval()], { start: t0, end: t0 + H })).toBeUndefined();
  });

  it('appears in a windowed report with the savings against it', () => {
    const r = costReport([pod(1, 0, 1)], { groupBy: 'namespace', window: { start: t0, end: t0 + 2 * H } });
    expect(r.staticPool?.cost).toBeCloseTo(0.192, 12);
    expect(r.staticPool?.savings).toBeCloseTo(0.192 - 0.04, 12);
  });
});
