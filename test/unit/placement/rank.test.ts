import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCandidates, effectivePrice, UNKNOWN_INTERRUPTION } from '../../../src/placement/rank.ts';
import { offering, policy } from './solver-fixtures.ts';

const spot = (maxPct: number | undefined) =>
  offering({
    instanceType: 'm5.large',
    capacityType: 'spot',
    pricePerHour: 0.04,
    ...(maxPct === undefined ? {} : { interruption: { band: 1, label: '5-10%', maxPct } }),
  });

describe('effectivePrice', () => {
  it('weights spot by its interruption rate', () => {
    expect(effectivePrice(0.04, spot(11), policy({ spotRiskWeight: 1 }))).toBeCloseTo(0.04 * 1.11, 12);
    expect(effectivePrice(0.04, spot(11), policy({ spotRiskWeight: 2 }))).toBeCloseTo(0.04 * 1.22, 12);
    expect(effectivePrice(0.04, spot(11), policy({ spotRiskWeight: 0 }))).toBe(0.04);
  });
  it('assumes the unknown band for spot without a published one', () => {
    const p = policy({ spotRiskWeight: 1 });
    expect(effectivePrice(0.04, spot(undefined), p)).toBeCloseTo(
      0.04 * (1 + UNKNOWN_INTERRUPTION.maxPct / 100),
      12,
    );
  });
  it('leaves on-demand and serverless at the price paid', () => {
    const od = offering({ instanceType: 'm5.large', pricePerHour: 0.096 });
    expect(effectivePrice(0.096, od, policy({ spotRiskWeight: 5 }))).toBe(0.096);
  });
  it('is never below the price paid (what lets the solver stop early)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        fc.option(fc.double({ min: 0.1, max: 100, noNaN: true })),
        (price, weight, pct) => {
          const o = spot(pct ?? undefined);
          expect(effectivePrice(price, o, policy({ spotRiskWeight: weight }))).toBeGreaterThanOrEqual(price);
        },
      ),
    );
  });
});

describe('compareCandidates', () => {
  const c = (id: string, eff: number) => ({
    offering: offering({ id, instanceType: 'x', pricePerHour: eff }),
    pricePerHour: eff,
    effectivePricePerHour: eff,
  });
  it('orders by effective price, then by id', () => {
    const sorted = [c('b', 2), c('c', 1), c('a', 2)].sort(compareCandidates).map((x) => x.offering.id);
    expect(sorted).toEqual(['c', 'a', 'b']);
  });
});
