import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compareWithEmbedded, gcpLiveOfferings, SHARED_CORE_VCPUS } from '../../../pricing/gcp/offerings.ts';
import { acceleratorKey, shapesOfRegion } from '../../../pricing/gcp/shapes.ts';
import {
  type BillingSku,
  rateKey,
  ratesFromSkus,
  skuHourlyUsd,
  skuResourceKey,
} from '../../../pricing/gcp/skus.ts';
import { skuOf } from '../../../providers/gcp/simulation.ts';
import { loadCatalog } from '../../../pricing/catalog/load.ts';

const here = dirname(fileURLToPath(import.meta.url));
const sourcesDir = process.env.BERTH_CATALOG_SOURCES
  ? resolve(process.env.BERTH_CATALOG_SOURCES)
  : resolve(here, '../../../../shared/catalog-sources');
const sample = JSON.parse(readFileSync(resolve(sourcesDir, 'samples/gcp-billing-skus.json'), 'utf8')) as {
  sample: { skus: BillingSku[] };
};

describe('Cloud Billing SKUs of Compute Engine', () => {
  it('maps descriptions to a family and resource, or to nothing', () => {
    expect(skuResourceKey('E2 Instance Core running in Americas')).toBe('core:e2');
    expect(skuResourceKey('Spot Preemptible N2D AMD Instance Ram running in Iowa')).toBe('ram:n2d');
    expect(skuResourceKey('T2A Arm Instance Core running in Americas')).toBe('core:t2a');
    expect(skuResourceKey('N1 Predefined Instance Core running in Americas')).toBe('core:n1');
    expect(skuResourceKey('Compute optimized Core running in Americas')).toBe('core:c2');
    expect(skuResourceKey('Nvidia Tesla A100 GPU running in Americas')).toBe('gpu:a100');
    expect(skuResourceKey('Nvidia A100 80GB GPU running in Americas')).toBe('gpu:a100-80gb');
    expect(skuResourceKey('Micro Instance with burstable CPU running in Americas')).toBe('shared:f1-micro');
    expect(skuResourceKey('Custom Instance Core running in Americas')).toBeUndefined();
    expect(skuResourceKey('N2 Custom Extended Instance Ram running in Americas')).toBeUndefined();
    expect(acceleratorKey('nvidia-tesla-a100')).toBe('a100');
    expect(acceleratorKey('nvidia-a100-80gb')).toBe('a100-80gb');
  });

  it("reads Google's own SKU objects: USD as is, another currency through its conversion rate", () => {
    const rates = ratesFromSkus(sample.sample.skus);
    expect(rates.unmatched.count).toBe(0);
    expect(rates.rates.get(rateKey('us-central1', 'on-demand', 'gpu:a100'))).toBeCloseTo(2.933908, 6);
    // 327.173848364 IDR at 14999.999925 IDR per USD.
    expect(rates.rates.get(rateKey('us-east1', 'on-demand', 'core:e2'))).toBeCloseTo(0.021811, 5);
    expect(rates.rates.get(rateKey('us-west1', 'on-demand', 'ram:e2'))).toBeCloseTo(0.002923, 5);
    expect(rates.rates.get(rateKey('asia-southeast1', 'on-demand', 'core:t2d'))).toBeCloseTo(0.033929, 5);
  });

  it('counts machine SKUs that match nothing, and does not count SKUs that are not about machines', () => {
    const rates = ratesFromSkus([
      skuOf('E2 Instance Core', 'OnDemand', ['us-central1'], 0.02),
      skuOf('Custom Instance Core', 'OnDemand', ['us-central1'], 0.03),
      {
        ...skuOf('Storage PD Capacity', 'OnDemand', ['us-central1'], 0.04),
        category: { resourceFamily: 'Storage' },
      },
      {
        ...skuOf('E2 Instance Core', 'OnDemand', ['us-central1'], 0.01),
        category: { resourceFamily: 'Compute', resourceGroup: 'CPU', usageType: 'Commit1Yr' },
      },
    ]);
    expect(rates.unmatched).toEqual({ count: 1, examples: ['Custom Instance Core running in Americas'] });
    expect(rates.ignored).toBe(2);
    expect(skuHourlyUsd(skuOf('E2 Instance Ram', 'OnDemand', [], 1.25))).toBe(1.25);
  });
});

describe('GCP offerings from rates and machine types', () => {
  const region = 'us-central1';
  const rates = ratesFromSkus([
    skuOf('E2 Instance Core', 'OnDemand', [region], 0.021811),
    skuOf('E2 Instance Ram', 'OnDemand', [region], 0.002923),
    skuOf('E2 Instance Core', 'Preemptible', [region], 0.006543),
    skuOf('E2 Instance Ram', 'Preemptible', [region], 0.000877),
    skuOf('G2 Instance Core', 'OnDemand', [region], 0.02),
    skuOf('G2 Instance Ram', 'OnDemand', [region], 0.002),
  ]);
  const shapes = shapesOfRegion(
    [
      { name: 'e2-standard-2', guestCpus: 2, memoryMb: 8192, zone: `${region}-a` },
      { name: 'e2-standard-2', guestCpus: 2, memoryMb: 8192, zone: `${region}-b` },
      { name: 'e2-small', guestCpus: 2, memoryMb: 2048, isSharedCpu: true, zone: `${region}-a` },
      { name: 'e2-standard-2', guestCpus: 2, memoryMb: 8192, zone: 'europe-west1-b' },
      {
        name: 'g2-standard-4',
        guestCpus: 4,
        memoryMb: 16384,
        zone: `${region}-a`,
        accelerators: [{ guestAcceleratorType: 'nvidia-l4', guestAcceleratorCount: 1 }],
      },
    ],
    region,
  );

  it('prices vCPUs times the core rate plus GiB times the RAM rate; shared-core E2 by its fraction', () => {
    expect(shapes.get('e2-standard-2')?.zones).toEqual([`${region}-a`, `${region}-b`]);
    const { offerings, skipped } = gcpLiveOfferings({ region, shapes: shapes.values(), rates });
    const price = (t: string, c: string) =>
      offerings.find((o) => o.instanceType === t && o.capacityType === c);
    expect(price('e2-standard-2', 'on-demand')?.pricePerHour).toBeCloseTo(2 * 0.021811 + 8 * 0.002923, 6);
    expect(price('e2-standard-2', 'spot')?.interruption?.label).toBe('10-15%');
    expect(price('e2-small', 'on-demand')?.pricePerHour).toBeCloseTo(
      (SHARED_CORE_VCPUS['e2-small'] ?? 0) * 0.021811 + 2 * 0.002923,
      5,
    );
    expect(price('e2-small', 'on-demand')?.burstable).toBe(true);
    // No L4 SKU and no G2 spot SKUs: left out with the reason, never guessed.
    expect(price('g2-standard-4', 'on-demand')).toBeUndefined();
    expect(skipped['no on-demand SKU for the l4 GPU']).toEqual(['g2-standard-4']);
    expect(skipped['no spot core and RAM SKUs for g2']).toEqual(['g2-standard-4']);
  });

  it('agrees with the embedded catalog on E2 on-demand prices to within 1%, and counts those that differ', () => {
    const offerings = gcpLiveOfferings({ region, shapes: shapes.values(), rates }).offerings.filter(
      (o) => o.capacityType === 'on-demand',
    );
    const embedded = loadCatalog({ clouds: ['gcp'], regions: [region], onWarning: () => {} }).offerings;
    const check = compareWithEmbedded(offerings, embedded);
    expect(check.compared).toBe(2);
    expect(check.differing).toBe(0);
    const off = compareWithEmbedded(
      offerings.map((o) => ({ ...o, pricePerHour: o.pricePerHour * 1.05 })),
      embedded,
    );
    expect(off.differing).toBe(off.compared);
  });
});
