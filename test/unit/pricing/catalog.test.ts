/**
 * The committed catalog against the sources it was built from: the numbers
 * are read from the sources here, never typed in, so the test holds for any
 * refresh of the sources as long as the catalog is rebuilt with them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildAwsCatalog, estimateSpotPrice } from '../../../pricing/catalog/convert/aws.ts';
import { buildAzureCatalog } from '../../../pricing/catalog/convert/azure.ts';
import { buildGcpCatalog } from '../../../pricing/catalog/convert/gcp.ts';
import { buildServerlessCatalog } from '../../../pricing/catalog/convert/serverless.ts';
import { formatCatalogJson } from '../../../pricing/catalog/format.ts';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import {
  AwsInstanceTypesSchema,
  AwsOfferingsSchema,
  AwsOnDemandSchema,
  AwsSpotAdvisorSchema,
  AzurePricesSchema,
  AzureVmSizesSchema,
  GcpMachineTypesSchema,
  GcpPricesSchema,
  readSource,
  ServerlessRatesSchema,
} from '../../../pricing/catalog/sources.ts';
import type { Catalog, Offering } from '../../../src/model/index.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const catalogDir = join(repoRoot, 'pricing', 'catalog');
const sourcesDir = process.env.BERTH_CATALOG_SOURCES
  ? resolve(process.env.BERTH_CATALOG_SOURCES)
  : resolve(repoRoot, '..', 'shared', 'catalog-sources');

const src = {
  awsOnDemand: readSource(sourcesDir, 'aws/ondemand-prices.json', AwsOnDemandSchema),
  awsSpot: readSource(sourcesDir, 'aws/spot-advisor.json', AwsSpotAdvisorSchema),
  awsTypes: readSource(sourcesDir, 'aws/instance-types.json', AwsInstanceTypesSchema),
  awsOfferings: readSource(sourcesDir, 'aws/instance-type-offerings.json', AwsOfferingsSchema),
  gcpPrices: readSource(sourcesDir, 'gcp/prices.json', GcpPricesSchema),
  gcpTypes: readSource(sourcesDir, 'gcp/machine-types.json', GcpMachineTypesSchema),
  azurePrices: readSource(sourcesDir, 'azure/ondemand-prices.json', AzurePricesSchema),
  azureSizes: readSource(sourcesDir, 'azure/vm-sizes.json', AzureVmSizesSchema),
  serverless: readSource(sourcesDir, 'serverless/rates.json', ServerlessRatesSchema),
};

let catalog: Catalog;
let loadMs: number;
const byId = new Map<string, Offering>();

beforeAll(() => {
  const started = performance.now();
  catalog = loadCatalog({ dir: catalogDir, onWarning: () => {} });
  loadMs = performance.now() - started;
  for (const o of catalog.offerings) byId.set(o.id, o);
});

function offering(id: string): Offering {
  const o = byId.get(id);
  if (!o) throw new Error(`no offering ${id} in the catalog`);
  return o;
}

describe('the committed catalog', () => {
  it('is exactly what the builder makes from the sources (deterministic and up to date)', () => {
    const built: Record<string, unknown> = {
      'aws.json': buildAwsCatalog({
        onDemand: src.awsOnDemand,
        spotAdvisor: src.awsSpot,
        types: src.awsTypes,
        offerings: src.awsOfferings,
      }),
      'gcp.json': buildGcpCatalog({ prices: src.gcpPrices, machineTypes: src.gcpTypes }),
      'azure.json': buildAzureCatalog({ prices: src.azurePrices, vmSizes: src.azureSizes }),
      'serverless.json': buildServerlessCatalog(src.serverless),
    };
    for (const [name, data] of Object.entries(built)) {
      expect(readFileSync(join(catalogDir, name), 'utf8'), `${name} is stale: npm run catalog:build`).toBe(
        formatCatalogJson(data),
      );
    }
  });

  it('stays well under 5 MB', () => {
    const bytes = readdirSync(catalogDir)
      .filter((f) => f.endsWith('.json'))
      .reduce((sum, f) => sum + statSync(join(catalogDir, f)).size, 0);
    expect(bytes).toBeLessThan(4 * 1024 * 1024);
  });

  it('loads everything well under a second', () => {
    expect(catalog.offerings.length).toBeGreaterThan(50_000);
    expect(loadMs).toBeLessThan(1000);
  });

  it('has unique ids and sane numbers in every offering', () => {
    expect(byId.size).toBe(catalog.offerings.length);
    const insane = catalog.offerings.filter(
      (o) =>
        !(o.pricePerHour > 0) ||
        !(Number.isInteger(o.cpu) && o.cpu > 0) ||
        !(Number.isInteger(o.memoryMiB) && o.memoryMiB > 0) ||
        (o.arch !== 'amd64' && o.arch !== 'arm64') ||
        Number.isNaN(Date.parse(o.observedAt)) ||
        o.instanceType !== o.instanceType.trim() ||
        (o.gpu !== undefined && !(/^[a-z0-9-]+$/.test(o.gpu.model) && o.gpu.count > 0)),
    );
    expect(insane.map((o) => o.id)).toEqual([]);
  });
});

describe('AWS', () => {
  it('m5.large on-demand in us-east-1 is the source price', () => {
    const price = src.awsOnDemand.data['us-east-1']?.['m5.large'];
    expect(price).toBeDefined();
    const o = offering('aws/us-east-1/*/m5.large/on-demand');
    expect(o.pricePerHour).toBe(price);
    expect(o).toMatchObject({ cpu: 2000, memoryMiB: 8192, arch: 'amd64', family: 'm5', maxPods: 29 });
    expect(o.source).toEqual({
      kind: 'embedded',
      origin: 'aws/karpenter-provider-aws@1d927085dd81',
      estimated: false,
    });
  });

  it('m5.large spot is the on-demand price less the advisor saving, with the advisor band', () => {
    const od = src.awsOnDemand.data['us-east-1']?.['m5.large'] ?? 0;
    const advice = src.awsSpot.data['us-east-1']?.['m5.large'];
    expect(advice).toBeDefined();
    const band = src.awsSpot.bands.find((b) => b.label === advice?.interruptionBand);
    const o = offering('aws/us-east-1/*/m5.large/spot');
    expect(o.pricePerHour).toBe(estimateSpotPrice(od, advice?.savingsPct ?? -1));
    expect(o.pricePerHour).toBeCloseTo(od * (1 - (advice?.savingsPct ?? 0) / 100), 6);
    expect(o.interruption).toEqual({ band: band?.index, label: band?.label, maxPct: advice?.bandMaxPct });
    expect(o.source.estimated).toBe(true);
  });

  it('has no China (CNY) offerings and no spot outside us-east-1', () => {
    expect(catalog.offerings.some((o) => o.region.startsWith('cn-'))).toBe(false);
    expect(
      catalog.offerings
        .filter((o) => o.cloud === 'aws' && o.capacityType === 'spot')
        .every((o) => o.region === 'us-east-1'),
    ).toBe(true);
  });

  it('normalises GPU models and keeps the per-GPU memory', () => {
    const g5 = offering('aws/us-east-1/*/g5.xlarge/on-demand');
    const spec = src.awsTypes.data['g5.xlarge']?.gpu;
    expect(g5.gpu).toEqual({ count: spec?.count, model: 'a10g', memoryMiB: spec?.memoryMiB });
  });
});

describe('GCP', () => {
  it('n2-standard-2 in us-central1: real on-demand and spot prices, no interruption band', () => {
    const row = src.gcpPrices.data['us-central1']?.['n2-standard-2'];
    expect(row?.onDemand).toBeGreaterThan(0);
    expect(offering('gcp/us-central1/*/n2-standard-2/on-demand').pricePerHour).toBe(row?.onDemand);
    const spot = offering('gcp/us-central1/*/n2-standard-2/spot');
    expect(spot.pricePerHour).toBe(row?.spot);
    expect(spot.interruption).toBeUndefined();
    expect(spot.source.estimated).toBe(false);
    expect(spot.family).toBe('n2');
  });

  it('leaves TPU hosts out and keeps fractional GPUs', () => {
    expect(catalog.offerings.some((o) => o.cloud === 'gcp' && o.instanceType.startsWith('ct5lp'))).toBe(
      false,
    );
    const g4 = offering('gcp/us-central1/*/g4-standard-6/on-demand');
    expect(g4.gpu?.count).toBe(src.gcpTypes.data['g4-standard-6']?.gpu?.count);
  });
});

describe('Azure', () => {
  it('Standard_D2s_v5 in eastus is the source price, on-demand only', () => {
    const price = src.azurePrices.data.eastus?.Standard_D2s_v5;
    expect(offering('azure/eastus/*/Standard_D2s_v5/on-demand').pricePerHour).toBe(price);
    expect(catalog.offerings.some((o) => o.cloud === 'azure' && o.capacityType === 'spot')).toBe(false);
  });

  it('every priced size with a shape is offered under its trimmed name at its source price', () => {
    for (const [key, price] of Object.entries(src.azurePrices.data.centralus ?? {})) {
      const o = byId.get(`azure/centralus/*/${key.trim()}/on-demand`);
      if (o) expect(o.pricePerHour).toBe(price);
    }
    const spaced = Object.keys(src.azurePrices.data.centralus ?? {}).filter((k) => k !== k.trim());
    expect(spaced.length).toBeGreaterThan(0);
  });

  it('gives constrained-core sizes their available vCPUs', () => {
    const spec = src.azureSizes.data['Standard_E8-4s_v5'];
    expect(offering('azure/eastus/*/Standard_E8-4s_v5/on-demand').cpu).toBe(
      (spec?.vcpuAvailable ?? 0) * 1000,
    );
  });
});

describe('serverless', () => {
  it('Fargate in us-east-1 carries the source rates, 256 MiB overhead and a 16 vCPU / 120 GiB top', () => {
    const rates = src.serverless.data['aws-fargate'];
    const o = offering('aws/us-east-1/*/fargate-amd64/serverless');
    expect(o.serverless).toMatchObject({
      perVcpuHour: rates['linux-x86_64'].vcpuHour,
      perGiBHour: rates['linux-x86_64'].gibHour,
      overhead: { cpu: 0, memoryMiB: 256 },
    });
    expect(o).toMatchObject({ cpu: 16_000, memoryMiB: 120 * 1024, capacityType: 'serverless' });
    expect(o.pricePerHour).toBeCloseTo(
      16 * rates['linux-x86_64'].vcpuHour + 120 * rates['linux-x86_64'].gibHour,
      6,
    );
    expect(o.source.estimated).toBe(!rates.verified);
    expect(offering('aws/us-east-1/*/fargate-arm64/serverless').arch).toBe('arm64');
  });

  it('ACI per-second rates become hourly rates', () => {
    const rates = src.serverless.data['azure-container-instances'].linux;
    const o = offering('azure/eastus/*/aci-linux/serverless');
    expect(o.serverless?.perVcpuHour).toBeCloseTo(rates.vcpuSecond * 3600, 9);
    expect(o.serverless?.perGiBHour).toBeCloseTo(rates.gibSecond * 3600, 9);
  });

  it('GKE Autopilot allows 250m steps within 1 to 6.5 GiB per vCPU', () => {
    const o = offering('gcp/us-central1/*/autopilot-general-purpose/serverless');
    for (const r of o.serverless?.shapes ?? []) {
      expect(r.cpu % 250).toBe(0);
      expect(r.memoryMinMiB).toBeGreaterThanOrEqual(Math.max(512, (r.cpu / 1000) * 1024));
      expect(r.memoryMaxMiB).toBeLessThanOrEqual((r.cpu / 1000) * 6.5 * 1024);
    }
  });
});
