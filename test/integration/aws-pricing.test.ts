import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DescribeInstanceTypeOfferingsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AwsPricingAdapterOptions, createAwsPricingAdapter } from '../../pricing/aws/adapter.ts';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { applyMultipliers } from '../../pricing/multipliers.ts';
import { type PriceDataSource, startPriceRefresh } from '../../src/controller/price-refresh.ts';
import { AwsAccessError, type Offering } from '../../src/model/index.ts';
import type { MotoServer } from '../../providers/aws/moto-server.ts';
import { EMULATOR_CREDENTIALS } from '../../providers/aws/simulation.ts';
import {
  type AwsPriceEmulators,
  type PriceListServer,
  type Product,
  startAwsPriceEmulators,
} from './price-list-server.ts';

const REGION = 'us-east-1';
const here = dirname(fileURLToPath(import.meta.url));
/** The parts of a PriceList product the test changes. */
interface SampleItem {
  product: { sku: string; attributes: Record<string, string> };
  terms: { OnDemand: Record<string, { priceDimensions: Record<string, { pricePerUnit: { USD: string } }> }> };
}
/** The one real PriceList product in the sources (m5.large, us-east-1), decoded. */
/** The catalog sources, where the build looks for them ($BERTH_CATALOG_SOURCES, else ../shared beside the repo). */
const sourcesDir = resolve(
  process.env.BERTH_CATALOG_SOURCES ?? resolve(here, '../../../shared/catalog-sources'),
);
const SAMPLE: SampleItem = JSON.parse(
  readFileSync(resolve(sourcesDir, 'samples/aws-pricing-getproducts-pricelist-item.json'), 'utf8'),
).sample;

/** A product built from the real sample: its attributes and terms, with this type's facts and price. */
function ec2Product(
  type: string,
  usd: string,
  vcpu: number,
  memoryGiB: number,
  over: Record<string, string> = {},
): Product {
  const item = structuredClone(SAMPLE);
  const sku = `SKU${type.replace(/\W/g, '').toUpperCase()}${over.operatingSystem ?? ''}${over.regionCode ?? ''}`;
  item.product.sku = sku;
  Object.assign(item.product.attributes, {
    instanceType: type,
    vcpu: String(vcpu),
    memory: `${memoryGiB} GiB`,
    usagetype: `BoxUsage:${type}`,
    regionCode: REGION,
    ...over,
  });
  for (const term of Object.values(item.terms.OnDemand)) {
    for (const dim of Object.values(term.priceDimensions)) dim.pricePerUnit.USD = usd;
  }
  return { serviceCode: 'AmazonEC2', attributes: item.product.attributes, text: JSON.stringify(item) };
}

function ecsProduct(usagetype: string, usd: string): Product {
  const attributes = { usagetype, regionCode: REGION, servicecode: 'AmazonECS' };
  const item = {
    product: { sku: `SKU-${usagetype}`, productFamily: 'Compute', attributes },
    serviceCode: 'AmazonECS',
    terms: { OnDemand: { t: { priceDimensions: { d: { unit: 'hours', pricePerUnit: { USD: usd } } } } } },
  };
  return { serviceCode: 'AmazonECS', attributes, text: JSON.stringify(item) };
}

/** Matching EC2 products in this order, four per page: three pages, the damaged one on page 2 as item 2. */
const EC2_PRODUCTS: Product[] = [
  ec2Product('m5.large', '0.0960000000', 2, 8),
  ec2Product('m5.xlarge', '0.1920000000', 4, 16),
  ec2Product('c5.large', '0.0850000000', 2, 4),
  ec2Product('c5.xlarge', '0.1700000000', 4, 8),
  ec2Product('r5.large', '0.1260000000', 2, 16),
  {
    // Damaged: the price list gave it no price. Skipped with a warning, never a crash.
    ...ec2Product('r5.xlarge', '0.2520000000', 4, 32),
    text: '{"product":{"sku":"SKUBROKEN","attributes":{"instanceType":"r5.xlarge"}},"terms":{"OnDemand":{}}}',
  },
  ec2Product('t3.medium', '0.0416000000', 2, 4),
  ec2Product('t4g.medium', '0.0336000000', 2, 4),
  ec2Product('m6g.large', '0.0770000000', 2, 8),
  ec2Product('c6g.large', '0.0680000000', 2, 4),
  ec2Product('g5.xlarge', '1.0060000000', 4, 16),
  ec2Product('m7i.large', '0.1008000000', 2, 8),
];
/** Products the filters must keep out: were they let in, the dearer price would win and the test would see it. */
const DECOYS: Product[] = [
  ec2Product('m5.large', '0.1920000000', 2, 8, { operatingSystem: 'Windows' }),
  ec2Product('m5.large', '0.1070000000', 2, 8, { regionCode: 'eu-west-1' }),
  ec2Product('c5.large', '0.1700000000', 2, 4, { tenancy: 'Dedicated' }),
];
const ECS_PRODUCTS: Product[] = [
  ecsProduct('USE1-Fargate-vCPU-Hours:perCPU', '0.0404800000'),
  ecsProduct('USE1-Fargate-GB-Hours', '0.0044450000'),
  ecsProduct('USE1-Fargate-ARM-vCPU-Hours:perCPU', '0.0323800000'),
  ecsProduct('USE1-Fargate-ARM-GB-Hours', '0.0035600000'),
  ecsProduct('USE1-SpotUsage-Fargate-vCPU-Hours:perCPU', '0.0121440000'),
  ecsProduct('USE1-Fargate-Windows-vCPU-Hours:perCPU', '0.0914800000'),
];

let moto: MotoServer;
let prices: PriceListServer;
const warnings: string[] = [];

function adapter(over: Partial<AwsPricingAdapterOptions> = {}) {
  return createAwsPricingAdapter({
    region: REGION,
    pricingEndpoint: prices.endpoint,
    ec2Endpoint: moto.endpoint,
    credentials: EMULATOR_CREDENTIALS,
    retry: { baseDelayMs: 20, maxDelayMs: 200 },
    onWarning: (m) => warnings.push(m),
    ...over,
  });
}

const find = (offerings: readonly Offering[], id: string) => offerings.find((o) => o.id === id);

let emulators: AwsPriceEmulators | undefined;
beforeAll(async () => {
  emulators = await startAwsPriceEmulators(
    [...EC2_PRODUCTS.slice(0, 2), ...DECOYS, ...EC2_PRODUCTS.slice(2), ...ECS_PRODUCTS],
    4,
  );
  ({ moto, prices } = emulators);
}, 90_000);

afterAll(async () => {
  await emulators?.stop();
});

describe('the AWS pricing adapter against a local Price List server and a real moto server', () => {
  let live: Offering[];

  it('fetches every page of the price list through one throttled answer, skipping the damaged product', async () => {
    prices.requests.length = 0;
    warnings.length = 0;
    prices.throttleNext(1);
    live = await adapter().fetch(AbortSignal.timeout(60_000));

    const ec2Calls = prices.requests.filter((r) => r.body.ServiceCode === 'AmazonEC2');
    // One throttled answer, then three pages chained by NextToken.
    expect(ec2Calls.map((r) => r.status)).toEqual([400, 200, 200, 200]);
    expect(ec2Calls.map((r) => r.body.NextToken === undefined)).toEqual([true, true, false, false]);
    expect(ec2Calls.every((r) => r.target === 'AWSPriceListService.GetProducts')).toBe(true);
    expect(ec2Calls[0]?.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=testing\/\d{8}\/us-east-1\/pricing\//,
    );
    expect(ec2Calls[0]?.body.Filters).toEqual([
      { Type: 'TERM_MATCH', Field: 'operatingSystem', Value: 'Linux' },
      { Type: 'TERM_MATCH', Field: 'tenancy', Value: 'Shared' },
      { Type: 'TERM_MATCH', Field: 'preInstalledSw', Value: 'NA' },
      { Type: 'TERM_MATCH', Field: 'capacitystatus', Value: 'Used' },
      { Type: 'TERM_MATCH', Field: 'regionCode', Value: 'us-east-1' },
    ]);
    expect(
      warnings.some((w) => /pricing:GetProducts throttled \(ThrottlingException, HTTP 400\)/.test(w)),
    ).toBe(true);
    expect(warnings).toContain(
      'price list AmazonEC2 page 2 item 2 (sku SKUBROKEN (r5.xlarge)): skipped, no terms.OnDemand',
    );

    const od = live.filter((o) => o.capacityType === 'on-demand').map((o) => o.instanceType);
    expect(od.sort()).toEqual(
      EC2_PRODUCTS.map((p) => p.attributes.instanceType)
        .filter((t) => t !== 'r5.xlarge')
        .sort(),
    );
  });

  it('carries concrete prices and EC2 shapes into on-demand offerings, ignoring the filtered-out decoys', () => {
    expect(find(live, 'aws/us-east-1/*/m5.large/on-demand')).toMatchObject({
      pricePerHour: 0.096,
      cpu: 2000,
      memoryMiB: 8192,
      arch: 'amd64',
      maxPods: 29,
      source: { kind: 'live', origin: 'aws price list api', estimated: false },
    });
    expect(find(live, 'aws/us-east-1/*/c5.large/on-demand')?.pricePerHour).toBe(0.085);
    // The last page made it in.
    expect(find(live, 'aws/us-east-1/*/m7i.large/on-demand')?.pricePerHour).toBe(0.1008);
    expect(find(live, 'aws/us-east-1/*/t4g.medium/on-demand')).toMatchObject({
      arch: 'arm64',
      burstable: true,
      pricePerHour: 0.0336,
    });
    expect(find(live, 'aws/us-east-1/*/g5.xlarge/on-demand')?.gpu).toEqual({
      count: 1,
      model: 'a10g',
      memoryMiB: 22888,
    });
  });

  it('prices spot per zone from moto, in exactly the zones EC2 offers the type, with the embedded band', async () => {
    const ec2 = new EC2Client({ region: REGION, endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS });
    const offered = await ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone',
        Filters: [{ Name: 'instance-type', Values: ['m5.large'] }],
      }),
    );
    const zones = (offered.InstanceTypeOfferings ?? []).map((o) => o.Location).sort();
    expect(zones).toContain('us-east-1a');

    const spot = live.filter((o) => o.instanceType === 'm5.large' && o.capacityType === 'spot');
    expect(spot.map((o) => o.zone).sort()).toEqual(zones);
    const band = loadCatalog({ clouds: ['aws'], regions: [REGION], onWarning: () => {} }).offerings.find(
      (o) => o.instanceType === 'm5.large' && o.capacityType === 'spot',
    )?.interruption;
    expect(band).toBeDefined();
    for (const o of spot) {
      expect(o).toMatchObject({
        id: `aws/us-east-1/${o.zone}/m5.large/spot`,
        // moto answers every spot price history entry with $0.00001/h.
        pricePerHour: 0.00001,
        interruption: band,
        source: { kind: 'live', origin: 'aws ec2 DescribeSpotPriceHistory', estimated: false },
      });
    }
  });

  it('prices Fargate from the ECS price list, ignoring Spot and Windows rates', () => {
    const fargate = find(live, 'aws/us-east-1/*/fargate-amd64/serverless');
    expect(fargate?.source.kind).toBe('live');
    expect(fargate?.serverless).toMatchObject({ perVcpuHour: 0.04048, perGiBHour: 0.004445 });
    expect(find(live, 'aws/us-east-1/*/fargate-arm64/serverless')?.serverless).toMatchObject({
      perVcpuHour: 0.03238,
      perGiBHour: 0.00356,
    });
  });

  it('applies price multipliers to live prices as it fetches', async () => {
    const discounted = await adapter({
      multipliers: { cloud: { aws: 0.9 }, capacityType: { spot: 0.5 }, family: { c5: 0.5 } },
    }).fetch(AbortSignal.timeout(60_000));
    expect(find(discounted, 'aws/us-east-1/*/m5.large/on-demand')?.pricePerHour).toBeCloseTo(0.0864, 12);
    expect(find(discounted, 'aws/us-east-1/*/c5.large/on-demand')?.pricePerHour).toBeCloseTo(0.03825, 12);
    expect(find(discounted, 'aws/us-east-1/us-east-1a/m5.large/spot')?.pricePerHour).toBeCloseTo(
      0.0000045,
      15,
    );
    expect(find(discounted, 'aws/us-east-1/*/fargate-amd64/serverless')?.serverless?.perVcpuHour).toBeCloseTo(
      0.036432,
      12,
    );
  });

  it('the refresh loop starts embedded, swaps the live set in, and keeps it when a refresh fails', async () => {
    const swaps: { source: PriceDataSource; offerings: readonly Offering[] }[] = [];
    const logLines: { msg: string; err?: string }[] = [];
    const log = pino({ level: 'info' }, { write: (s: string) => logLines.push(JSON.parse(s)) });
    const stop = new AbortController();
    const multipliers = { cloud: { aws: 0.9 } };
    const embedded = () =>
      applyMultipliers(
        loadCatalog({ clouds: ['aws'], regions: [REGION], onWarning: () => {} }).offerings,
        multipliers,
      );
    try {
      const refresh = startPriceRefresh({
        adapter: adapter({ multipliers }),
        fallback: embedded,
        onOfferings: (offerings, source) => swaps.push({ offerings, source }),
        log,
        signal: stop.signal,
      });
      expect(swaps.map((s) => s.source)).toEqual(['embedded']);
      const embeddedM5 = find(swaps[0]?.offerings ?? [], 'aws/us-east-1/*/m5.large/on-demand');
      expect(embeddedM5?.source.kind).toBe('embedded');

      expect(await refresh.refreshNow()).toBe(true);
      expect(swaps.map((s) => s.source)).toEqual(['embedded', 'live']);
      const good = swaps[1]?.offerings ?? [];
      expect(find(good, 'aws/us-east-1/*/m5.large/on-demand')?.pricePerHour).toBeCloseTo(0.0864, 12);
      expect(refresh.ageSeconds()).toBeLessThan(60);

      prices.failWith({ status: 500, type: 'InternalErrorException', message: 'price list unavailable' });
      expect(await refresh.refreshNow()).toBe(false);
      expect(swaps).toHaveLength(2);
      expect(refresh.current()).toMatchObject({ source: 'live', offerings: good });
      const failed = logLines.find((l) => l.msg.includes('keeping the prices in use'));
      expect(failed?.err).toMatch(
        /pricing:GetProducts failed: InternalErrorException: price list unavailable/,
      );
    } finally {
      prices.failWith(undefined);
      stop.abort();
    }
  });

  it('says which credentials are wrong when the price list rejects them', async () => {
    const err = await adapter({ credentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'wrong' } })
      .fetch(AbortSignal.timeout(60_000))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AwsAccessError);
    expect((err as AwsAccessError).problem).toBe('rejected-credentials');
    expect((err as Error).message).toMatch(/AWS rejected berth's credentials on pricing:GetProducts/);
  });

  it('berth catalog build --from aws rewrites the region in the catalog format, and the loader reads it back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-catalog-'));
    const embedded = resolve(here, '../../pricing/catalog');
    try {
      for (const f of ['aws.json', 'serverless.json']) copyFileSync(join(embedded, f), join(dir, f));
      const { stdout, stderr } = await promisify(execFile)(
        process.execPath,
        [
          resolve(here, '../../bin/berth.js'),
          ...['catalog', 'build', '--from', 'aws', '--region', REGION],
          ...['--pricing-endpoint', prices.endpoint, '--ec2-endpoint', moto.endpoint],
          ...['--catalog-dir', dir, '-o', 'json'],
        ],
        {
          // The SDK's default chain, as a person runs it; never the instance metadata service.
          env: {
            ...process.env,
            AWS_ACCESS_KEY_ID: EMULATOR_CREDENTIALS.accessKeyId,
            AWS_SECRET_ACCESS_KEY: EMULATOR_CREDENTIALS.secretAccessKey,
            AWS_EC2_METADATA_DISABLED: 'true',
          },
          timeout: 120_000,
        },
      );
      expect(JSON.parse(stdout)).toMatchObject({ file: join(dir, 'aws.json'), region: REGION, onDemand: 11 });
      expect(stderr).toContain('price list AmazonEC2 page 2 item 2 (sku SKUBROKEN (r5.xlarge)): skipped');

      const original = loadCatalog({ clouds: ['aws'], regions: ['us-gov-west-1'], onWarning: () => {} });
      const rebuilt = loadCatalog({
        dir,
        clouds: ['aws'],
        regions: [REGION, 'us-gov-west-1'],
        onWarning: () => {},
      });
      const m5 = find(rebuilt.offerings, 'aws/us-east-1/*/m5.large/on-demand');
      expect(m5).toMatchObject({ pricePerHour: 0.096, cpu: 2000, memoryMiB: 8192, maxPods: 29 });
      expect(m5?.source).toEqual({ kind: 'embedded', origin: 'aws price list api', estimated: false });
      expect(find(rebuilt.offerings, 'aws/us-east-1/*/m5.large/spot')).toMatchObject({
        pricePerHour: 0.00001,
        source: { origin: 'aws ec2 DescribeSpotPriceHistory (highest zone price)', estimated: false },
      });
      // Only the region asked for changed.
      expect(
        rebuilt.offerings.filter((o) => o.region === 'us-gov-west-1' && o.capacityType !== 'serverless'),
      ).toEqual(original.offerings.filter((o) => o.capacityType !== 'serverless'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops moto by its PID', async () => {
    const pid = moto.pid;
    await moto.stop();
    expect(() => process.kill(pid, 0)).toThrow(/ESRCH/);
  });
});
