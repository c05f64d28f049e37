import type { ComputeManagementClient } from '@azure/arm-compute';
import { LIVE_COMMIT, mergeLiveOfferings } from '../catalog/live-region.ts';
import { type RewriteResult, rewriteCatalogRegion } from '../catalog/rewrite.ts';
import type { CloudFile } from '../catalog/schema.ts';
import { type AzureRawPrices, createAzurePricingAdapter } from './adapter.ts';
import { EVICTION_BANDS, RETAIL_ORIGIN } from './offerings.ts';

/**
 * `berth catalog build --from azure`: one region of azure.json rewritten
 * from the Retail Prices API and the subscription's resource SKUs. Other
 * regions and their sources stay as they are. The file has no zones, so a
 * size's price is the highest of its zones (they are the same on Azure).
 */

/** azure.json with `region` rebuilt from live offerings. Pure. */
export function mergeLiveAzureRegion(existing: CloudFile | undefined, raw: AzureRawPrices): CloudFile {
  const { region, fetchedAt } = raw;
  return mergeLiveOfferings(existing, {
    cloud: 'azure',
    region,
    fetchedAt,
    offerings: raw.offerings,
    skipped: raw.skipped,
    origin: { onDemand: RETAIL_ORIGIN, spot: `${RETAIL_ORIGIN} (spot meters)` },
    sources: [
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
    note: `on-demand and spot from the Retail Prices API at ${fetchedAt}; sizes restricted for the subscription left out; spot bands from the eviction rates given, else the default band.`,
    defaultBands: EVICTION_BANDS,
    emptyWhat: 'the Retail Prices API and the resource SKUs',
  });
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
