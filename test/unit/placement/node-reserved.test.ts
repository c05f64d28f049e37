import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Cloud, GiB, InputError, MiB, type Offering } from '../../../src/model/index.ts';
import { nodeAllocatable, nodeReserved } from '../../../src/placement/node-reserved.ts';

function offering(over: Partial<Offering> = {}): Offering {
  return {
    id: 'aws/us-east-1/*/m5.large/on-demand',
    cloud: 'aws',
    region: 'us-east-1',
    instanceType: 'm5.large',
    family: 'm5',
    capacityType: 'on-demand',
    cpu: 2000,
    memoryMiB: 8192,
    arch: 'amd64',
    pricePerHour: 0.096,
    source: { kind: 'embedded', origin: 'test', estimated: false },
    observedAt: '2024-01-01T00:00:00Z',
    ...over,
  };
}

describe('nodeReserved: AWS EKS AMI', () => {
  it('m5.large (2 cores, 8 GiB, 29 pods): 60m + 10m cpu; 11 x 29 + 255 + 100 MiB memory', () => {
    const r = nodeReserved('aws', { cpu: 2000, memoryMiB: 8192, maxPods: 29 });
    expect(r.cpu).toBe(70);
    expect(r.memory).toBe((11 * 29 + 255 + 100) * MiB);
  });

  it('charges 0.5% for cores 3-4 and 0.25% above, rounding a half millicore up', () => {
    // 5 cores: 60 + 10 + 2 x 5 + 2.5 = 82.5 -> 83
    expect(nodeReserved('aws', { cpu: 5000, memoryMiB: 1024 }).cpu).toBe(83);
    // 96 cores: 60 + 10 + 10 + 92 x 2.5 = 310
    expect(nodeReserved('aws', { cpu: 96_000, memoryMiB: 1024 }).cpu).toBe(310);
  });

  it('uses 110 pods when the shape names no limit', () => {
    expect(nodeReserved('aws', { cpu: 1000, memoryMiB: 1024 }).memory).toBe((11 * 110 + 255 + 100) * MiB);
  });
});

describe('nodeReserved: GKE', () => {
  it('16 GiB: 25% of 4 + 20% of 4 + 10% of 8 GiB, plus eviction', () => {
    // 1024 + 819.2 + 819.2 = 2662.4 MiB -> 2663, + 100
    expect(nodeReserved('gcp', { cpu: 4000, memoryMiB: 16 * 1024 }).memory).toBe((2663 + 100) * MiB);
  });

  it('256 GiB reaches the 6% and 2% tiers', () => {
    // 1024 + 819.2 + 819.2 + 0.06 x 114688 + 0.02 x 131072 = 12165.12 -> 12166
    expect(nodeReserved('gcp', { cpu: 4000, memoryMiB: 256 * 1024 }).memory).toBe((12166 + 100) * MiB);
  });

  it('machines under 1 GiB reserve a flat 255 MiB', () => {
    expect(nodeReserved('gcp', { cpu: 1000, memoryMiB: 614 }).memory).toBe((255 + 100) * MiB);
    // at exactly 1 GiB the tiers apply: 25% of 1024
    expect(nodeReserved('gcp', { cpu: 1000, memoryMiB: 1024 }).memory).toBe((256 + 100) * MiB);
  });

  it('cpu follows the same tiers as EKS', () => {
    expect(nodeReserved('gcp', { cpu: 4000, memoryMiB: 4096 }).cpu).toBe(80);
  });
});

describe('nodeReserved: AKS (1.29+)', () => {
  it('reproduces every row of the published cpu table', () => {
    const table: [number, number][] = [
      [1, 60],
      [2, 100],
      [4, 140],
      [8, 180],
      [16, 260],
      [32, 420],
      [64, 740],
    ];
    for (const [cores, milli] of table) {
      expect(nodeReserved('azure', { cpu: cores * 1000, memoryMiB: 4096 }).cpu).toBe(milli);
    }
  });

  it('memory: the smaller of 20 MiB x pods + 50 MiB and 25%, plus eviction', () => {
    expect(nodeReserved('azure', { cpu: 2000, memoryMiB: 8192, maxPods: 30 }).memory).toBe((650 + 100) * MiB);
    expect(nodeReserved('azure', { cpu: 2000, memoryMiB: 4096, maxPods: 70 }).memory).toBe(
      (1024 + 100) * MiB,
    );
  });
});

describe('nodeReserved: properties', () => {
  const cloud = fc.constantFrom<Cloud>('aws', 'gcp', 'azure');
  it('never shrinks when the machine grows', () => {
    fc.assert(
      fc.property(
        cloud,
        fc.integer({ min: 250, max: 448_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 512, max: 24_000_000 }),
        fc.integer({ min: 0, max: 100_000 }),
        (c, cpu, dCpu, mem, dMem) => {
          const small = nodeReserved(c, { cpu, memoryMiB: mem, maxPods: 58 });
          const big = nodeReserved(c, { cpu: cpu + dCpu, memoryMiB: mem + dMem, maxPods: 58 });
          expect(big.cpu).toBeGreaterThanOrEqual(small.cpu ?? Number.NaN);
          expect(big.memory).toBeGreaterThanOrEqual(small.memory ?? Number.NaN);
        },
      ),
    );
  });
});

describe('nodeAllocatable', () => {
  it('is capacity minus the reserve, with pods, disk and no GPU key when there is none', () => {
    const a = nodeAllocatable(offering({ maxPods: 29 }));
    expect(a.cpu).toBe(2000 - 70);
    expect(a.memory).toBe((8192 - 674) * MiB);
    expect(a.pods).toBe(29);
    // 20 GiB root volume less the 10% nodefs eviction margin
    expect(a['ephemeral-storage']).toBe(18 * GiB);
    expect(a['nvidia.com/gpu']).toBeUndefined();
  });

  it('defaults pods to 110 and counts GPUs as nvidia.com/gpu', () => {
    const a = nodeAllocatable(
      offering({
        cloud: 'gcp',
        gpu: { count: 4, model: 'l4', memoryMiB: 24_576 },
        cpu: 48_000,
        memoryMiB: 196_608,
      }),
    );
    expect(a.pods).toBe(110);
    expect(a['nvidia.com/gpu']).toBe(4);
  });

  it('serverless offerings reserve nothing and offer their largest shape', () => {
    const a = nodeAllocatable(
      offering({
        capacityType: 'serverless',
        cpu: 4000,
        memoryMiB: 8192,
        serverless: {
          perVcpuHour: 0.04,
          perGiBHour: 0.004,
          overhead: { cpu: 0, memoryMiB: 256 },
          shapes: [
            { cpu: 250, memoryMinMiB: 512, memoryMaxMiB: 2048, memoryStepMiB: 512 },
            { cpu: 16_000, memoryMinMiB: 32_768, memoryMaxMiB: 122_880, memoryStepMiB: 8192 },
          ],
        },
      }),
    );
    expect(a.cpu).toBe(16_000);
    expect(a.memory).toBe(122_880 * MiB);
    expect(a['ephemeral-storage']).toBe(20 * GiB);
  });

  it('never goes below zero on a machine smaller than its reserve', () => {
    const a = nodeAllocatable(offering({ memoryMiB: 256, cpu: 50, maxPods: 4 }));
    expect(a.memory).toBe(0);
    // a fraction of a core pays 6% of what it has: 50m - 3m
    expect(a.cpu).toBe(47);
  });

  it('rejects an offering with a nonsensical size, naming it and the field', () => {
    expect(() => nodeAllocatable(offering({ cpu: Number.NaN }))).toThrow(InputError);
    expect(() => nodeAllocatable(offering({ memoryMiB: -1 }))).toThrow(/m5\.large.*memoryMiB/);
  });
});
