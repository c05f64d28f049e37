import { describe, expect, it, vi } from 'vitest';
import type { Offering } from '../../../src/model/index.ts';
import { buildIndex } from '../../../src/placement/offering-index.ts';
import { allocatable, fargate, offering } from './solver-fixtures.ts';

const catalog: Offering[] = [
  offering({ instanceType: 'm5.large', pricePerHour: 0.107, region: 'us-west-1' }),
  offering({ instanceType: 'm5.large', pricePerHour: 0.096 }),
  offering({ instanceType: 'c5.large', pricePerHour: 0.085, cpu: 2000, memoryMiB: 4096 }),
  offering({ instanceType: 'm5.large', capacityType: 'spot', zone: 'us-east-1a', pricePerHour: 0.04 }),
  offering({ instanceType: 'n2-standard-2', cloud: 'gcp', region: 'us-central1', pricePerHour: 0.097 }),
  offering({
    instanceType: 'g4dn.xlarge',
    cpu: 4000,
    memoryMiB: 16384,
    pricePerHour: 0.526,
    gpu: { count: 1, model: 't4', memoryMiB: 16384 },
  }),
  fargate(),
];

describe('buildIndex', () => {
  it('groups by cloud, capacity type and GPU, and keeps serverless apart', () => {
    const index = buildIndex(catalog, allocatable);
    const keys = index.groups.map((g) => `${g.cloud}/${g.capacityType}/${g.hasGpu}`).sort();
    expect(keys).toEqual([
      'aws/on-demand/false',
      'aws/on-demand/true',
      'aws/spot/false',
      'gcp/on-demand/false',
    ]);
    expect(index.serverless.map((o) => o.instanceType)).toEqual(['fargate']);
    expect(index.offerings).toBe(catalog);
  });
  it('sorts shapes by their cheapest offering and offerings by price', () => {
    const index = buildIndex(catalog, allocatable);
    const aws = index.groups.find((g) => g.cloud === 'aws' && g.capacityType === 'on-demand' && !g.hasGpu);
    expect(aws?.shapes.map((s) => s.sample.instanceType)).toEqual(['c5.large', 'm5.large']);
    const m5 = aws?.shapes[1];
    expect(m5?.offerings.map((o) => o.pricePerHour)).toEqual([0.096, 0.107]);
    expect(m5?.minPrice).toBe(0.096);
    expect([...(m5?.byRegion.keys() ?? [])].sort()).toEqual(['us-east-1', 'us-west-1']);
    expect(aws?.count).toBe(3);
  });
  it('computes allocatable once per offering, and the group maximum', () => {
    const spy = vi.fn(allocatable);
    const index = buildIndex(catalog, spy);
    expect(spy).toHaveBeenCalledTimes(catalog.length - 1); // not for serverless
    const aws = index.groups.find((g) => g.cloud === 'aws' && g.capacityType === 'on-demand' && !g.hasGpu);
    expect(aws?.maxAllocatable.cpu).toBe(1900);
    expect(aws?.byMemoryDesc[0]?.sample.instanceType).toBe('m5.large');
    const gpu = index.groups.find((g) => g.hasGpu);
    expect(gpu?.maxGpuCount).toBe(1);
  });
  it('keeps offerings of one type apart when their allocatable differs', () => {
    const a = offering({ instanceType: 'x.large', pricePerHour: 1, maxPods: 29 });
    const b = offering({ instanceType: 'x.large', pricePerHour: 1, region: 'eu-west-1', maxPods: 58 });
    const index = buildIndex([a, b], allocatable);
    expect(index.groups[0]?.shapes).toHaveLength(2);
  });
});
