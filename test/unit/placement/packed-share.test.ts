import { describe, expect, it } from 'vitest';
import { CPU, GiB, MEMORY } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { packedShare, sharedMachines } from '../../../src/placement/packed-share.ts';
import { offering, policy } from './solver-fixtures.ts';

const small = offering({ instanceType: 'c.large', cpu: 2000, memoryMiB: 4096, pricePerHour: 0.08 });
const big = offering({ instanceType: 'c.8xlarge', cpu: 32000, memoryMiB: 65536, pricePerHour: 1.28 });
const dear = offering({ instanceType: 'x.8xlarge', cpu: 32000, memoryMiB: 65536, pricePerHour: 2 });
const gpu = offering({
  instanceType: 'g.xlarge',
  cpu: 4000,
  memoryMiB: 16384,
  pricePerHour: 0.01,
  gpu: { count: 1, model: 't4', memoryMiB: 16384 },
});

describe('the price of isolation', () => {
  it("a pod's share is the larger of its cpu and memory shares on the machine where that is cheapest", () => {
    const machines = sharedMachines([small, big, dear, gpu]);
    // The dearer twin and the GPU machine are never the cheapest place to share.
    expect(machines.map((m) => m.offering.instanceType).sort()).not.toContain('x.8xlarge');
    expect(machines.map((m) => m.offering.instanceType)).not.toContain('g.xlarge');
    const share = packedShare(machines, { [CPU]: 250, [MEMORY]: 0.25 * GiB }, policy());
    const a = nodeAllocatable(big);
    const expected = Math.max((250 / (a[CPU] ?? 1)) * 1.28, ((0.25 * GiB) / (a[MEMORY] ?? 1)) * 1.28);
    expect(share?.offering.instanceType).toBe('c.8xlarge');
    expect(share?.pricePerHour).toBeCloseTo(expected, 9);
    expect(packedShare(machines, { [CPU]: 250 }, policy({ capacityTypes: ['spot'] }))).toBeUndefined();
  });

  it('the why names it only where the dedicated machine costs more than twice the share', () => {
    const engine = new PlacementEngine([small, big]);
    const decide = (cpu: string) =>
      engine.decide(
        {
          metadata: { namespace: 'ci', name: 'p' },
          spec: {
            containers: [{ name: 'c', image: 'i', resources: { requests: { cpu, memory: '256Mi' } } }],
          },
        },
        policy(),
        [],
        new Set(),
      );
    const tiny = decide('100m');
    expect(tiny.chosen?.offering.instanceType).toBe('c.large');
    expect(tiny.packedShare?.offering.instanceType).toBe('c.8xlarge');
    expect(tiny.explanation).toMatch(/; isolation: \d+\.\dx its share of a shared c\.8xlarge on-demand/);
    const fits = decide('1500m');
    expect(fits.packedShare).toBeDefined();
    expect(fits.explanation).not.toContain('isolation:');
  });
});
