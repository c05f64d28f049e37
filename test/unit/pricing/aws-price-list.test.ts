import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  fargateUsage,
  parseFargateItem,
  parseMemoryMiB,
  parseOnDemandItem,
} from '../../../pricing/aws/price-list.ts';
import { fargateByArch } from '../../../pricing/aws/fetch.ts';

const here = dirname(fileURLToPath(import.meta.url));
/** The catalog sources, where the build looks for them ($BERTH_CATALOG_SOURCES, else ../shared beside the repo). */
const sourcesDir = process.env.BERTH_CATALOG_SOURCES
  ? resolve(process.env.BERTH_CATALOG_SOURCES)
  : resolve(here, '../../../../shared/catalog-sources');
const samplePath = resolve(sourcesDir, 'samples/aws-pricing-getproducts-pricelist-item.json');
/** The parts of a PriceList product these tests change. */
interface Dimension {
  unit?: string;
  pricePerUnit: Record<string, string>;
}
interface Item {
  product: { sku: string; attributes?: Record<string, string> };
  terms: { OnDemand?: Record<string, { priceDimensions: Record<string, Dimension> }> };
}
/** The one real PriceList product in the sources (m5.large, Linux, shared, us-east-1), decoded. */
const SAMPLE: Item = JSON.parse(readFileSync(samplePath, 'utf8')).sample;
/** As the API sends it: a JSON string inside PriceList[]. */
const SAMPLE_TEXT = JSON.stringify(SAMPLE);

/** The sample with a change made by `edit` to a deep copy. */
function variant(edit: (item: Item) => void): string {
  const copy = structuredClone(SAMPLE);
  edit(copy);
  return JSON.stringify(copy);
}

/** Every on-demand price dimension of an item. */
function dimensions(item: Item): Dimension[] {
  return Object.values(item.terms.OnDemand ?? {}).flatMap((t) => Object.values(t.priceDimensions));
}

describe('parseOnDemandItem', () => {
  it('reads the real sample: m5.large at $0.096/h, 2 vCPU, 8 GiB; reserved terms are ignored', () => {
    const result = parseOnDemandItem(SAMPLE_TEXT);
    expect(result).toEqual({
      item: {
        instanceType: 'm5.large',
        pricePerHour: 0.096,
        sku: '6C86BEPQVG73ZGGR',
        vcpu: 2,
        memoryMiB: 8192,
      },
    });
  });

  it('accepts an item the SDK already decoded', () => {
    expect(parseOnDemandItem(SAMPLE)).toMatchObject({
      item: { instanceType: 'm5.large', pricePerHour: 0.096 },
    });
  });

  it.each([
    ['not JSON', '{"product": ', /not JSON/, undefined],
    ['a JSON array', '[1,2]', /not a JSON object/, undefined],
    [
      'no attributes',
      variant((i) => delete i.product.attributes),
      /no product.attributes$/,
      'sku 6C86BEPQVG73ZGGR',
    ],
    [
      'no instance type',
      variant((i) => delete i.product.attributes?.instanceType),
      /no product.attributes.instanceType/,
      'sku 6C86BEPQVG73ZGGR',
    ],
    [
      'no OnDemand terms',
      variant((i) => delete i.terms.OnDemand),
      /no terms.OnDemand/,
      'sku 6C86BEPQVG73ZGGR (m5.large)',
    ],
    [
      'no USD price',
      variant((i) => {
        for (const d of dimensions(i)) d.pricePerUnit = { CNY: '0.7' };
      }),
      /no hourly USD price/,
      'sku 6C86BEPQVG73ZGGR (m5.large)',
    ],
    [
      'a price that is not a number',
      variant((i) => {
        for (const d of dimensions(i)) d.pricePerUnit.USD = 'n/a';
      }),
      /no hourly USD price/,
      'sku 6C86BEPQVG73ZGGR (m5.large)',
    ],
    [
      'a zero price',
      variant((i) => {
        for (const d of dimensions(i)) d.pricePerUnit.USD = '0.0000000000';
      }),
      /price is 0/,
      'sku 6C86BEPQVG73ZGGR (m5.large)',
    ],
    [
      'two disagreeing hourly prices',
      variant((i) => {
        const term = Object.values(i.terms.OnDemand ?? {})[0];
        if (term) term.priceDimensions.extra = { unit: 'Hrs', pricePerUnit: { USD: '0.2' } };
      }),
      /several hourly USD prices \(0.096, 0.2\)/,
      'sku 6C86BEPQVG73ZGGR (m5.large)',
    ],
    [
      'a dedicated-host usage type',
      variant((i) => {
        i.product.attributes = { ...i.product.attributes, usagetype: 'HostUsage:m5' };
      }),
      /usagetype "HostUsage:m5" is not on-demand shared-tenancy usage/,
      'sku 6C86BEPQVG73ZGGR (m5.large)',
    ],
  ])('skips an item with %s, naming it', (_what, raw, reason, name) => {
    const result = parseOnDemandItem(raw);
    expect('skip' in result).toBe(true);
    if (!('skip' in result)) return;
    expect(result.skip).toMatch(reason);
    expect(result.name).toBe(name);
  });

  it('reads a regional usage type (USE2-BoxUsage:...) and memory sizes with commas', () => {
    const raw = variant((i) => {
      i.product.attributes = {
        ...i.product.attributes,
        usagetype: 'USE2-BoxUsage:u-12tb1.112xlarge',
        instanceType: 'u-12tb1.112xlarge',
        memory: '12,288 GiB',
      };
    });
    expect(parseOnDemandItem(raw)).toMatchObject({
      item: { instanceType: 'u-12tb1.112xlarge', memoryMiB: 12288 * 1024 },
    });
  });
});

describe('parseMemoryMiB', () => {
  it.each([
    ['8 GiB', 8192],
    ['0.5 GiB', 512],
    ['1,952 GiB', 1952 * 1024],
    ['NA', undefined],
    ['8 GB', undefined],
    [undefined, undefined],
  ])('%s -> %s', (text, mib) => {
    expect(parseMemoryMiB(text)).toBe(mib);
  });
});

function fargateItem(usagetype: string, usd: string): string {
  return JSON.stringify({
    product: {
      sku: `SKU-${usagetype}`,
      productFamily: 'Compute',
      attributes: { usagetype, regionCode: 'us-east-1' },
    },
    terms: {
      OnDemand: { a: { priceDimensions: { b: { unit: 'hours', pricePerUnit: { USD: usd } } } } },
    },
  });
}

describe('Fargate rates from the price list', () => {
  it('matches the four Linux rates whatever the region prefix, and nothing else', () => {
    expect(fargateUsage('USE1-Fargate-vCPU-Hours:perCPU')).toEqual({ arch: 'amd64', resource: 'vcpu' });
    expect(fargateUsage('Fargate-GB-Hours')).toEqual({ arch: 'amd64', resource: 'memory' });
    expect(fargateUsage('EUC1-Fargate-ARM-vCPU-Hours:perCPU')).toEqual({ arch: 'arm64', resource: 'vcpu' });
    expect(fargateUsage('APN1-Fargate-ARM-GB-Hours')).toEqual({ arch: 'arm64', resource: 'memory' });
    for (const other of [
      'USE1-SpotUsage-Fargate-vCPU-Hours:perCPU',
      'USE1-Fargate-Windows-vCPU-Hours:perCPU',
      'USE1-Fargate-EphemeralStorage-GB-Hours',
      'USE1-ECS-EC2-vCPU-Hours',
    ]) {
      expect(fargateUsage(other)).toBeUndefined();
    }
  });

  it('reads a rate, ignores other ECS products, and skips a damaged Fargate one by name', () => {
    expect(parseFargateItem(fargateItem('USE1-Fargate-vCPU-Hours:perCPU', '0.0404800000'))).toEqual({
      item: { arch: 'amd64', resource: 'vcpu', usd: 0.04048, usagetype: 'USE1-Fargate-vCPU-Hours:perCPU' },
    });
    expect(parseFargateItem(fargateItem('USE1-Fargate-Windows-vCPU-Hours:perCPU', '0.09'))).toBeUndefined();
    expect(parseFargateItem(fargateItem('USE1-Fargate-GB-Hours', 'free'))).toEqual({
      skip: 'no hourly USD price in terms.OnDemand',
      name: 'sku SKU-USE1-Fargate-GB-Hours (USE1-Fargate-GB-Hours)',
    });
  });

  it('keeps an architecture only when both its rates are known', () => {
    const rate = (usagetype: string, usd: string) => {
      const r = parseFargateItem(fargateItem(usagetype, usd));
      if (!r || 'skip' in r) throw new Error('expected a rate');
      return r.item;
    };
    expect(
      fargateByArch([
        rate('USE1-Fargate-vCPU-Hours:perCPU', '0.04048'),
        rate('USE1-Fargate-GB-Hours', '0.004445'),
        rate('USE1-Fargate-ARM-vCPU-Hours:perCPU', '0.03238'),
      ]),
    ).toEqual({ amd64: { perVcpuHour: 0.04048, perGiBHour: 0.004445 } });
    expect(fargateByArch([])).toBeUndefined();
  });
});
