import type { ComputeManagementClient } from '@azure/arm-compute';
import { InputError } from '../../src/model/index.ts';
import { naturalCompare, usedShapes } from '../catalog/convert/common.ts';
import { type RewriteResult, rewriteCatalogRegion } from '../catalog/rewrite.ts';
import { CATALOG_FORMAT, type CloudFile, type PriceTable, type ShapeRow } from '../catalog/schema.ts';
import { type AzureRawPrices, createAzurePricingAdapter } from './adapter.ts';
import { EVICTION_BANDS, RETAIL_ORIGIN } from './offerings.ts';

/**
 * `berth catalog build --from azure`: one region of azure.json rewritten
 * from the Retail Prices API and the subscription's resource SKUs. Other
 * regions and their sources stay as they are. The file has no zones, so a
 * size's price is the highest of its zones (they are the same on Azure).
 */

const LIVE_COMMIT = 'live-api';
const livePrefix = (region: string) => `${region} live:`;

/** azure.json with `region` rebuilt from live offerings. Pure. */
export function mergeLiveAzureRegion(existing: CloudFile | undefined, raw: AzureRawPrices): CloudFile {
  const { region, fetchedAt } = raw;
  const prefix = livePrefix(region);
  const table = (origin: string): PriceTable => ({
    observedAt: fetchedAt,
    origin,
    estimated: false,
    prices: {},
  });
  const onDemand = table(RETAIL_ORIGIN);
  const spot: PriceTable = { ...table(`${RETAIL_ORIGIN} (spot meters)`), bands: {} };
  const shapes = new Map(Object.entries(existing?.shapes ?? {}));
  for (const o of [...raw.offerings].sort((a, b) => naturalCompare(a.instanceType, b.instanceType))) {
    const t = o.capacityType === 'spot' ? spot : onDemand;
    t.prices[o.instanceType] = Math.max(t.prices[o.instanceType] ?? 0, o.pricePerHour);
    if (o.capacityType === 'spot' && o.interruption && spot.bands)
      spot.bands[o.instanceType] = o.interruption.band;
    const shape: ShapeRow = { family: o.family, cpu: o.cpu, memoryMiB: o.memoryMiB, arch: o.arch };
    if (o.gpu) shape.gpu = o.gpu;
    if (o.burstable) shape.burstable = true;
    shapes.set(o.instanceType, shape);
  }
  if (Object.keys(onDemand.prices).length === 0) {
    throw new InputError(
      `the Retail Prices API and the resource SKUs gave no usable on-demand price for ${region}; the catalog is left as it was`,
      { source: 'azure', field: 'region' },
    );
  }
  const regions: CloudFile['regions'] = { ...existing?.regions };
  regions[region] =
    Object.keys(spot.prices).length > 0 ? { 'on-demand': onDemand, spot } : { 'on-demand': onDemand };
  const skipped: Record<string, string[]> = Object.fromEntries(
    Object.entries(existing?.skipped ?? {}).filter(([reason]) => !reason.startsWith(prefix)),
  );
  for (const [reason, names] of Object.entries(raw.skipped)) skipped[`${prefix} ${reason}`] = names;
  return {
    format: CATALOG_FORMAT,
    cloud: 'azure',
    sources: [
      ...(existing?.sources ?? []).filter(
        (s) => !(s.commit === LIVE_COMMIT && s.path.endsWith(` ${region}`)),
      ),
      {
        repo: RETAIL_ORIGIN,
        commit: LIVE_COMMIT,
        path: `prices.azure.com/api/retail/prices Virtual Machines ${region}`,
        license: 'Azure public retail prices',
        dataDate: fetchedAt,
        note: `Linux pay-as-you-go and spot prices for ${region}, USD (berth catalog build --from azure)`,
      },
      {
        repo: 'azure resource manager',
        commit: LIVE_COMMIT,
        path: `Microsoft.Compute/skus ${region}`,
        license: 'Azure API response',
        dataDate: fetchedAt,
        note: `VM sizes, zones and restrictions for ${region} (berth catalog build --from azure)`,
      },
    ],
    notes: [
      ...(existing?.notes ?? []).filter((n) => !n.startsWith(prefix)),
      `${prefix} on-demand and spot from the Retail Prices API at ${fetchedAt}; sizes restricted for the subscription left out; spot bands from the eviction rates given, else the default band.`,
    ],
    skipped,
    interruptionBands:
      existing?.interruptionBands ??
      EVICTION_BANDS.map((b) => ({ index: b.band, label: b.label, maxPct: b.maxPct })),
    shapes: usedShapes(shapes, regions),
    regions,
  };
}

export async function buildAzureCatalogFromLive(o: {
  region: string;
  compute: ComputeManagementClient;
  retailEndpoint?: string;
  evictionRates?: Readonly<Record<string, string>>;
  defaultEvictionBand?: string;
  catalogDir?: string;
  outDir?: string;
  signal: AbortSignal;
  onWarning?: (message: string) => void;
}): Promise<RewriteResult> {
  const adapter = createAzurePricingAdapter({
    region: o.region,
    compute: o.compute,
    ...(o.retailEndpoint ? { retailEndpoint: o.retailEndpoint } : {}),
    ...(o.evictionRates ? { evictionRates: o.evictionRates } : {}),
    ...(o.defaultEvictionBand ? { defaultEvictionBand: o.defaultEvictionBand } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    ...(o.catalogDir ? { catalogDir: o.catalogDir } : {}),
  });
  return rewriteCatalogRegion({
    cloud: 'azure',
    region: o.region,
    catalogDir: o.catalogDir,
    outDir: o.outDir,
    merge: async (existing) => mergeLiveAzureRegion(existing, await adapter.raw(o.signal)),
  });
}
