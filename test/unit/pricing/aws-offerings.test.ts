import { describe, expect, it } from 'vitest';
import type { AwsSnapshot } from '../../../pricing/aws/fetch.ts';
import { pricingRegionFor } from '../../../pricing/aws/fetch.ts';
import {
  awsLiveOfferings,
  fargateOfferings,
  SKIP_NO_TYPE,
  SKIP_NOT_OFFERED,
  SKIP_ZONE_NOT_OFFERED,
  spotBands,
} from '../../../pricing/aws/offerings.ts';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import type { AwsTypeSpec } from '../../../pricing/catalog/sources.ts';

const spec = (over: Partial<AwsTypeSpec>): AwsTypeSpec => ({
  vcpu: 2,
  memoryMiB: 8192,
  arch: ['x86_64'],
  gpu: null,
  burstable: false,
  usageClasses: ['on-demand', 'spot'],
  maxNetworkInterfaces: 3,
  ipv4PerInterface: 10,
  ...over,
});

const EMBEDDED = loadCatalog({ clouds: ['aws'], onWarning: () => {} }).offerings;
const FETCHED_AT = '2026-08-01T12:00:00.000Z';

function snapshot(over: Partial<AwsSnapshot> = {}): AwsSnapshot {
  return {
    region: 'us-east-1',
    fetchedAt: FETCHED_AT,
    onDemand: new Map([
      ['m5.large', 0.096],
      ['g5.xlarge', 1.006],
      ['t4g.medium', 0.0336],
      ['x9.unknown', 1],
      ['c1.medium', 0.13],
    ]),
    types: new Map([
      ['m5.large', spec({})],
      ['g5.xlarge', spec({ vcpu: 4, memoryMiB: 16384, gpu: { count: 1, model: 'A10G', memoryMiB: 22888 } })],
      ['t4g.medium', spec({ arch: ['arm64'], burstable: true, memoryMiB: 4096, ipv4PerInterface: 6 })],
      ['c1.medium', spec({ memoryMiB: 1740 })],
    ]),
    zones: new Map([
      ['m5.large', ['us-east-1a', 'us-east-1b']],
      ['g5.xlarge', ['us-east-1a']],
      ['t4g.medium', ['us-east-1a']],
    ]),
    spot: new Map([
      [
        'm5.large',
        new Map([
          ['us-east-1a', { price: 0.0423, since: '2026-08-01T00:00:00.000Z' }],
          ['us-east-1b', { price: 0.0389, since: '2026-08-01T00:00:00.000Z' }],
          ['us-east-1z', { price: 0.01, since: '2026-08-01T00:00:00.000Z' }],
        ]),
      ],
    ]),
    ...over,
  };
}

describe('awsLiveOfferings', () => {
  const bands = spotBands(EMBEDDED, 'us-east-1');
  const embeddedServerless = EMBEDDED.filter((o) => o.capacityType === 'serverless');

  it('prices on-demand per region with the shape EC2 describes, marked live from the price list', () => {
    const { offerings } = awsLiveOfferings({ snapshot: snapshot(), bands, embeddedServerless });
    const od = offerings.filter((o) => o.capacityType === 'on-demand');
    expect(od.map((o) => o.instanceType).sort()).toEqual(['g5.xlarge', 'm5.large', 't4g.medium']);
    expect(od.find((o) => o.instanceType === 'm5.large')).toEqual({
      id: 'aws/us-east-1/*/m5.large/on-demand',
      cloud: 'aws',
      region: 'us-east-1',
      instanceType: 'm5.large',
      family: 'm5',
      capacityType: 'on-demand',
      cpu: 2000,
      memoryMiB: 8192,
      arch: 'amd64',
      maxPods: 29,
      burstable: false,
      pricePerHour: 0.096,
      source: { kind: 'live', origin: 'aws price list api', estimated: false },
      observedAt: FETCHED_AT,
    });
    expect(od.find((o) => o.instanceType === 'g5.xlarge')?.gpu).toEqual({
      count: 1,
      model: 'a10g',
      memoryMiB: 22888,
    });
    expect(od.find((o) => o.instanceType === 't4g.medium')).toMatchObject({ arch: 'arm64', burstable: true });
  });

  it('prices spot per zone, with the Spot Advisor band of the embedded catalog', () => {
    const { offerings, skipped } = awsLiveOfferings({ snapshot: snapshot(), bands, embeddedServerless });
    const spot = offerings.filter((o) => o.capacityType === 'spot');
    expect(spot.map((o) => [o.id, o.pricePerHour])).toEqual([
      ['aws/us-east-1/us-east-1a/m5.large/spot', 0.0423],
      ['aws/us-east-1/us-east-1b/m5.large/spot', 0.0389],
    ]);
    expect(spot[0]?.source).toEqual({
      kind: 'live',
      origin: 'aws ec2 DescribeSpotPriceHistory',
      estimated: false,
    });
    const band = bands.get('m5.large');
    expect(band).toBeDefined();
    expect(spot[0]?.interruption).toEqual(band);
    expect(skipped[SKIP_ZONE_NOT_OFFERED]).toEqual(['m5.large us-east-1z']);
  });

  it('says why a priced type is left out', () => {
    const { skipped } = awsLiveOfferings({ snapshot: snapshot(), bands, embeddedServerless });
    expect(skipped[SKIP_NO_TYPE]).toEqual(['x9.unknown']);
    expect(skipped[SKIP_NOT_OFFERED]).toEqual(['c1.medium']);
  });

  it('leaves spot out for a type EC2 says is not sold as spot', () => {
    const types = snapshot().types;
    types.set('m5.large', spec({ usageClasses: ['on-demand'] }));
    const { offerings } = awsLiveOfferings({ snapshot: snapshot({ types }), bands, embeddedServerless });
    expect(offerings.filter((o) => o.capacityType === 'spot')).toEqual([]);
  });

  it('has no band where the embedded catalog has none (a region without Spot Advisor data in it)', () => {
    const { offerings } = awsLiveOfferings({
      snapshot: snapshot({ region: 'eu-west-1' }),
      bands: spotBands(EMBEDDED, 'eu-west-1'),
      embeddedServerless,
    });
    const spot = offerings.find((o) => o.capacityType === 'spot');
    expect(spot?.id).toBe('aws/eu-west-1/us-east-1a/m5.large/spot');
    expect(spot?.interruption).toBeUndefined();
  });
});

describe('fargateOfferings', () => {
  const embedded = EMBEDDED.filter((o) => o.capacityType === 'serverless');

  it('puts the live rates on the embedded shape table, for the region asked', () => {
    const out = fargateOfferings(
      snapshot({ region: 'eu-west-1', fargate: { amd64: { perVcpuHour: 0.04456, perGiBHour: 0.00489 } } }),
      embedded,
    );
    expect(out).toHaveLength(1);
    const [fargate] = out;
    const template = embedded.find((o) => o.instanceType === 'fargate-amd64');
    expect(fargate).toMatchObject({
      id: 'aws/eu-west-1/*/fargate-amd64/serverless',
      region: 'eu-west-1',
      cpu: 16000,
      memoryMiB: 122880,
      source: { kind: 'live', origin: 'aws price list api', estimated: false },
      observedAt: FETCHED_AT,
    });
    expect(fargate?.serverless?.perVcpuHour).toBe(0.04456);
    expect(fargate?.serverless?.perGiBHour).toBe(0.00489);
    expect(fargate?.serverless?.shapes).toEqual(template?.serverless?.shapes);
    expect(fargate?.serverless?.overhead).toEqual({ cpu: 0, memoryMiB: 256 });
    // 16 vCPU x 0.04456 + 120 GiB x 0.00489
    expect(fargate?.pricePerHour).toBeCloseTo(16 * 0.04456 + 120 * 0.00489, 6);
  });

  it('falls back to the embedded offering of the region when the price list had no rates', () => {
    const out = fargateOfferings(snapshot(), embedded);
    expect(out.map((o) => o.id)).toEqual([
      'aws/us-east-1/*/fargate-amd64/serverless',
      'aws/us-east-1/*/fargate-arm64/serverless',
    ]);
    expect(out.every((o) => o.source.kind === 'embedded')).toBe(true);
    expect(fargateOfferings(snapshot({ region: 'eu-west-1' }), embedded)).toEqual([]);
  });
});

describe('pricingRegionFor', () => {
  it.each([
    ['us-east-1', 'us-east-1'],
    ['us-west-2', 'us-east-1'],
    ['ca-central-1', 'us-east-1'],
    ['sa-east-1', 'us-east-1'],
    ['eu-west-1', 'eu-central-1'],
    ['me-south-1', 'eu-central-1'],
    ['af-south-1', 'eu-central-1'],
    ['ap-northeast-1', 'ap-south-1'],
    ['ap-south-2', 'ap-south-1'],
  ])('%s is priced from %s', (region, endpoint) => {
    expect(pricingRegionFor(region)).toBe(endpoint);
  });
});
