import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InstanceTypeInfo, RIProductDescription, SpotPrice } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { latestSpotPrices, typeSpecOf, zonesByType } from '../../../pricing/aws/ec2-data.ts';

/** The catalog sources, where the build looks for them ($BERTH_CATALOG_SOURCES, else ../shared beside the repo). */
const samples = resolve(
  process.env.BERTH_CATALOG_SOURCES ??
    resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/catalog-sources'),
  'samples',
);
function sample<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(samples, name), 'utf8')).sample;
}

/** The real history sample, with Timestamp as the SDK hands it over (a Date). */
const HISTORY: SpotPrice[] = sample<{
  SpotPriceHistory: (Omit<SpotPrice, 'Timestamp'> & { Timestamp: string })[];
}>('aws-ec2-describe-spot-price-history.json').SpotPriceHistory.map((e) => ({
  ...e,
  Timestamp: new Date(e.Timestamp),
}));

const entry = (
  zone: string,
  price: string,
  at: string,
  product: RIProductDescription = 'Linux/UNIX',
): SpotPrice => ({
  AvailabilityZone: zone,
  InstanceType: 'm5.large',
  ProductDescription: product,
  SpotPrice: price,
  Timestamp: new Date(at),
});

describe('latestSpotPrices', () => {
  it('keeps the newest price per zone from the real history (us-east-1f changed twice)', () => {
    const zones = latestSpotPrices(HISTORY).get('m5.large');
    expect(Object.fromEntries([...(zones ?? [])].map(([z, p]) => [z, p.price]))).toEqual({
      'us-east-1a': 0.0423,
      'us-east-1b': 0.0389,
      'us-east-1c': 0.0381,
      'us-east-1f': 0.0437,
    });
    expect(zones?.get('us-east-1f')?.since).toBe('2021-02-09T01:40:10.000Z');
  });

  it('does not depend on the order of the history', () => {
    const forward = latestSpotPrices(HISTORY);
    const backward = latestSpotPrices([...HISTORY].reverse());
    expect(backward).toEqual(forward);
  });

  it('treats both Linux product names as one machine and ignores other systems', () => {
    const zones = latestSpotPrices([
      entry('us-east-1a', '0.04', '2026-01-01T00:00:00Z'),
      entry('us-east-1a', '0.05', '2026-01-02T00:00:00Z', 'Linux/UNIX (Amazon VPC)'),
      entry('us-east-1a', '0.30', '2026-01-03T00:00:00Z', 'Windows'),
    ]).get('m5.large');
    expect(zones?.get('us-east-1a')).toEqual({ price: 0.05, since: '2026-01-02T00:00:00.000Z' });
  });

  it('on a tie keeps the dearer price', () => {
    const zones = latestSpotPrices([
      entry('us-east-1a', '0.04', '2026-01-01T00:00:00Z'),
      entry('us-east-1a', '0.06', '2026-01-01T00:00:00Z', 'Linux/UNIX (Amazon VPC)'),
    ]).get('m5.large');
    expect(zones?.get('us-east-1a')?.price).toBe(0.06);
  });

  it('drops entries that are not prices', () => {
    const out = latestSpotPrices([
      entry('us-east-1a', 'NaN', '2026-01-01T00:00:00Z'),
      entry('us-east-1b', '0', '2026-01-01T00:00:00Z'),
      { ...entry('us-east-1c', '0.04', '2026-01-01T00:00:00Z'), Timestamp: undefined },
      { ...entry('us-east-1d', '0.04', '2026-01-01T00:00:00Z'), AvailabilityZone: undefined },
    ]);
    expect(out.size).toBe(0);
  });
});

describe('zonesByType', () => {
  it('lists each type once per zone, sorted, and ignores region-level rows', () => {
    const zones = zonesByType([
      { InstanceType: 'm5.large', LocationType: 'availability-zone', Location: 'us-east-1b' },
      { InstanceType: 'm5.large', LocationType: 'availability-zone', Location: 'us-east-1a' },
      { InstanceType: 'm5.large', LocationType: 'availability-zone', Location: 'us-east-1a' },
      { InstanceType: 'c5.large', LocationType: 'region', Location: 'us-east-1' },
    ]);
    expect(Object.fromEntries(zones)).toEqual({ 'm5.large': ['us-east-1a', 'us-east-1b'] });
  });
});

describe('typeSpecOf', () => {
  const TYPES = sample<{ InstanceTypes: InstanceTypeInfo[] }>(
    'aws-ec2-describe-instance-types.json',
  ).InstanceTypes;
  const byName = (name: string) => {
    const info = TYPES.find((t) => t.InstanceType === name);
    if (!info) throw new Error(`${name} not in the sample`);
    return info;
  };

  it('reads the real DescribeInstanceTypes entries: x86, burstable arm64, and a GPU', () => {
    expect(typeSpecOf(byName('m5.large'))).toMatchObject({
      vcpu: 2,
      memoryMiB: 8192,
      arch: ['x86_64'],
      gpu: null,
      burstable: false,
      maxNetworkInterfaces: 3,
      ipv4PerInterface: 10,
      usageClasses: ['on-demand', 'spot'],
    });
    expect(typeSpecOf(byName('t4g.medium'))).toMatchObject({ arch: ['arm64'], burstable: true });
    expect(typeSpecOf(byName('g5.xlarge'))?.gpu).toEqual({ count: 1, model: 'A10G', memoryMiB: 22888 });
  });

  it('is undefined when vCPUs or memory are missing', () => {
    expect(typeSpecOf({ ...byName('m5.large'), MemoryInfo: undefined })).toBeUndefined();
    expect(typeSpecOf({ ...byName('m5.large'), VCpuInfo: {} })).toBeUndefined();
  });
});
