import { describe, expect, it } from 'vitest';
import {
  BILLING_MINIMUM_SECONDS,
  billedSeconds,
  intervalCost,
  onDemandCost,
  savings,
  savingsPct,
} from '../../../src/cost/cost-model.ts';
import { interval } from './fixtures.ts';

const at = (s: number) => new Date(Date.UTC(2025, 0, 1) + s * 1000).toISOString();

describe('cost model', () => {
  it('bills an hour at the hourly price', () => {
    expect(intervalCost(interval())).toBeCloseTo(0.04, 10);
  });

  it('bills the one-minute minimum for shorter runs, including zero-length ones', () => {
    expect(BILLING_MINIMUM_SECONDS).toBe(60);
    expect(billedSeconds({ start: at(0), end: at(10) })).toBe(60);
    expect(billedSeconds({ start: at(0), end: at(0) })).toBe(60);
    expect(intervalCost(interval({ start: at(0), end: at(5), pricePerHour: 3.6 }))).toBeCloseTo(0.06, 10);
  });

  it('bills per second above the minimum, rounding part seconds up', () => {
    expect(billedSeconds({ start: at(0), end: at(61) })).toBe(61);
    expect(billedSeconds({ start: '2025-01-01T00:00:00.000Z', end: '2025-01-01T00:01:30.200Z' })).toBe(91);
    expect(intervalCost(interval({ start: at(0), end: at(90), pricePerHour: 3.6 }))).toBeCloseTo(0.09, 10);
  });

  it('measures savings against the on-demand twin', () => {
    const i = interval();
    expect(onDemandCost(i)).toBeCloseTo(0.096, 10);
    expect(savings(i)).toBeCloseTo(0.056, 10);
    expect(savingsPct(intervalCost(i), onDemandCost(i))).toBeCloseTo(58.333, 2);
  });

  it('saves nothing when no on-demand price is known, and reports 0% on zero cost', () => {
    const i = interval({ onDemandPricePerHour: undefined, capacityType: 'on-demand' });
    expect(onDemandCost(i)).toBe(intervalCost(i));
    expect(savings(i)).toBe(0);
    expect(savingsPct(0, 0)).toBe(0);
  });

  it('shows a negative saving when the price paid is above on-demand', () => {
    const i = interval({ pricePerHour: 0.2, onDemandPricePerHour: 0.1 });
    expect(savings(i)).toBeCloseTo(-0.1, 10);
    expect(savingsPct(0.2, 0.1)).toBeCloseTo(-100, 10);
  });
});
