import { describe, expect, it } from 'vitest';
import { cheapestStaticPool, nodesFor, peakDemand } from '../../../src/cost/static-pool.ts';

describe('the static pool baseline', () => {
  it('peak demand counts overlapping intervals, and one ending as another starts does not overlap', () => {
    const peak = peakDemand([
      { start: 0, end: 10, cpu: 1000, memoryMiB: 1024 },
      { start: 5, end: 15, cpu: 2000, memoryMiB: 512 },
      { start: 15, end: 20, cpu: 4000, memoryMiB: 256 },
    ]);
    expect(peak).toEqual({ cpu: 4000, memoryMiB: 1536 });
  });

  it('sizes the pool by whichever resource needs more nodes', () => {
    const m = { instanceType: 'x', pricePerHour: 1, cpu: 3920, memoryMiB: 14000 };
    expect(nodesFor({ cpu: 8000, memoryMiB: 1000 }, m)).toBe(3);
    expect(nodesFor({ cpu: 1000, memoryMiB: 30000 }, m)).toBe(3);
  });

  it('picks the machine type whose pool costs least per hour, paid for every hour', () => {
    const pool = cheapestStaticPool({ cpu: 16_000, memoryMiB: 32_768 }, 168, [
      { instanceType: 'small', pricePerHour: 0.1, cpu: 1930, memoryMiB: 3500 },
      { instanceType: 'large', pricePerHour: 0.7, cpu: 15_890, memoryMiB: 30_000 },
    ]);
    // small: 10 nodes (memory) = $1.00/h; large: 2 nodes = $1.40/h.
    expect(pool).toEqual({ instanceType: 'small', nodes: 10, pricePerHour: 1, cost: 168 });
    expect(cheapestStaticPool({ cpu: 1, memoryMiB: 1 }, 1, [])).toBeUndefined();
  });
});
