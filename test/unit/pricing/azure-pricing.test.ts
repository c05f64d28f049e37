import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResourceSku } from '@azure/arm-compute';
import { describe, expect, it } from 'vitest';
import {
  azureLiveOfferings,
  DEFAULT_EVICTION_BAND,
  EVICTION_BANDS,
  evictionBand,
  RETAIL_ORIGIN,
  SKIP_NO_SIZE,
  SKIP_NOT_SPOT_CAPABLE,
} from '../../../pricing/azure/offerings.ts';
import {
  SKIP_RESTRICTED,
  SKIP_ZONES_RESTRICTED,
  sizesFromSkus,
} from '../../../pricing/azure/resource-skus.ts';
import {
  linuxPrices,
  type RetailPriceItem,
  retailPricesFilter,
  SKIP_LOW_PRIORITY,
  SKIP_WINDOWS,
} from '../../../pricing/azure/retail-prices.ts';

/** The real Retail Prices page for Standard_D2s_v3 in eastus (Linux, Linux Spot, Windows, Windows Spot, 2 Low Priority). */
const sourcesDir = process.env.BERTH_CATALOG_SOURCES
  ? resolve(process.env.BERTH_CATALOG_SOURCES)
  : resolve(dirname(fileURLToPath(import.meta.url)), '../../../../shared/catalog-sources');
const page = JSON.parse(readFileSync(resolve(sourcesDir, 'samples/azure-retail-prices-page.json'), 'utf8'))
  .sample as { Items: RetailPriceItem[] };

function sku(name: string, over: Partial<Record<string, unknown>> = {}): ResourceSku {
  return {
    resourceType: 'virtualMachines',
    name,
    locations: ['eastus'],
    locationInfo: [{ location: 'eastus', zones: ['1', '2', '3'] }],
    capabilities: [
      { name: 'vCPUs', value: '2' },
      { name: 'MemoryGB', value: '8' },
      { name: 'CpuArchitectureType', value: 'x64' },
      { name: 'LowPriorityCapable', value: 'True' },
    ],
    restrictions: [],
    ...over,
  } as ResourceSku;
}

describe('Retail Prices', () => {
  it('filters Virtual Machines consumption prices of the region in USD', () => {
    expect(retailPricesFilter('eastus')).toBe(
      "serviceName eq 'Virtual Machines' and armRegionName eq 'eastus' and priceType eq 'Consumption' and currencyCode eq 'USD'",
    );
  });

  it('keeps the Linux on-demand and spot prices of the real page and drops Windows and Low Priority', () => {
    const prices = linuxPrices(page.Items, 'eastus');
    expect(prices.onDemand.get('Standard_D2s_v3')).toBe(0.096);
    expect(prices.spot.get('Standard_D2s_v3')).toBe(0.018816);
    expect(prices.skipped[SKIP_WINDOWS]).toEqual(['Standard_D2s_v3']);
    expect(prices.skipped[SKIP_LOW_PRIORITY]).toEqual(['Standard_D2s_v3']);
  });

  it('prefers the primary meter region, then the lower price', () => {
    const row = (price: number, primary: boolean): RetailPriceItem => ({
      ...(page.Items.find(
        (i) => i.skuName === 'D2s v3' && !i.productName.endsWith('Windows'),
      ) as RetailPriceItem),
      retailPrice: price,
      isPrimaryMeterRegion: primary,
    });
    expect(linuxPrices([row(0.05, false), row(0.09, true)], 'eastus').onDemand.get('Standard_D2s_v3')).toBe(
      0.09,
    );
    expect(linuxPrices([row(0.09, true), row(0.08, true)], 'eastus').onDemand.get('Standard_D2s_v3')).toBe(
      0.08,
    );
  });
});

describe('Resource SKUs', () => {
  it('reads shapes, zones and spot capability, and leaves out what the subscription may not buy', () => {
    const { sizes, skipped } = sizesFromSkus(
      [
        sku('Standard_D2s_v3'),
        sku('Standard_D2ps_v5', {
          capabilities: [
            { name: 'vCPUs', value: '2' },
            { name: 'MemoryGB', value: '8' },
            { name: 'CpuArchitectureType', value: 'Arm64' },
          ],
        }),
        sku('Standard_F2s_v2', {
          restrictions: [
            { type: 'Location', values: ['eastus'], restrictionInfo: { locations: ['eastus'] } },
          ],
        }),
        sku('Standard_E2s_v5', {
          restrictions: [
            { type: 'Zone', values: ['eastus'], restrictionInfo: { locations: ['eastus'], zones: ['2'] } },
          ],
        }),
        sku('Standard_E4s_v5', {
          restrictions: [
            {
              type: 'Zone',
              values: ['eastus'],
              restrictionInfo: { locations: ['eastus'], zones: ['1', '2', '3'] },
            },
          ],
        }),
        { resourceType: 'disks', name: 'Premium_LRS', locations: ['eastus'] } as ResourceSku,
      ],
      'eastus',
    );
    expect(sizes.get('Standard_D2s_v3')).toMatchObject({
      vcpus: 2,
      memoryMiB: 8192,
      arch: 'amd64',
      zones: ['1', '2', '3'],
      spotCapable: true,
    });
    expect(sizes.get('Standard_D2ps_v5')).toMatchObject({ arch: 'arm64', spotCapable: false });
    expect(sizes.get('Standard_E2s_v5')?.zones).toEqual(['1', '3']);
    expect(skipped[SKIP_RESTRICTED]).toEqual(['Standard_F2s_v2']);
    expect(skipped[SKIP_ZONES_RESTRICTED]).toEqual(['Standard_E4s_v5']);
    expect(sizes.has('Premium_LRS')).toBe(false);
  });
});

describe('Azure live offerings', () => {
  const base = {
    region: 'eastus',
    fetchedAt: '2026-11-30T20:00:00.000Z',
    gpus: new Map(),
    burstable: new Set<string>(),
    defaultEviction: evictionBand(DEFAULT_EVICTION_BAND)!,
  };

  it('one offering per zone, spot with the published band or the default, each naming its source', () => {
    const { sizes } = sizesFromSkus(
      [sku('Standard_D2s_v3'), sku('Standard_D4s_v3', { locationInfo: [{ location: 'eastus', zones: [] }] })],
      'eastus',
    );
    const { offerings, skipped } = azureLiveOfferings({
      ...base,
      sizes,
      onDemand: new Map([
        ['Standard_D2s_v3', 0.096],
        ['Standard_D4s_v3', 0.192],
        ['Standard_X1', 1],
      ]),
      spot: new Map([
        ['Standard_D2s_v3', 0.0188],
        ['Standard_D4s_v3', 0.0376],
      ]),
      evictionRates: { Standard_D2s_v3: '0-5' },
    });
    const d2 = offerings.filter((o) => o.instanceType === 'Standard_D2s_v3');
    expect(d2.map((o) => `${o.zone}/${o.capacityType}`).sort()).toEqual([
      'eastus-1/on-demand',
      'eastus-1/spot',
      'eastus-2/on-demand',
      'eastus-2/spot',
      'eastus-3/on-demand',
      'eastus-3/spot',
    ]);
    expect(d2.find((o) => o.capacityType === 'spot')?.interruption).toEqual(EVICTION_BANDS[0]);
    const d4spot = offerings.find((o) => o.instanceType === 'Standard_D4s_v3' && o.capacityType === 'spot');
    expect(d4spot?.zone).toBeUndefined();
    expect(d4spot?.interruption?.label).toBe('10-15%');
    expect(offerings.every((o) => o.source.kind === 'live' && o.source.origin === RETAIL_ORIGIN)).toBe(true);
    expect(d2[0]).toMatchObject({ cpu: 2000, memoryMiB: 8192, family: 'Dsv3', arch: 'amd64' });
    expect(skipped[SKIP_NO_SIZE]).toEqual(['Standard_X1']);
  });

  it('sells no spot for a size that is not spot capable', () => {
    const { sizes } = sizesFromSkus(
      [
        sku('Standard_D2s_v3', {
          capabilities: [
            { name: 'vCPUs', value: '2' },
            { name: 'MemoryGB', value: '8' },
          ],
        }),
      ],
      'eastus',
    );
    const { offerings, skipped } = azureLiveOfferings({
      ...base,
      sizes,
      onDemand: new Map(),
      spot: new Map([['Standard_D2s_v3', 0.02]]),
      evictionRates: {},
    });
    expect(offerings).toEqual([]);
    expect(skipped[SKIP_NOT_SPOT_CAPABLE]).toEqual(['Standard_D2s_v3']);
  });

  it('reads eviction bands as the portal writes them', () => {
    expect(evictionBand('20+')?.maxPct).toBe(100);
    expect(evictionBand('5-10%')?.band).toBe(1);
    expect(evictionBand('7')).toBeUndefined();
  });
});
