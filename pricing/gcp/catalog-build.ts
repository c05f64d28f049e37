import { LIVE_COMMIT, mergeLiveOfferings } from '../catalog/live-region.ts';
import { type RewriteResult, rewriteCatalogRegion } from '../catalog/rewrite.ts';
import type { CloudFile } from '../catalog/schema.ts';
import { COMPUTE_ENGINE_SERVICE, createGcpPricingAdapter, type GcpRawPrices } from './adapter.ts';
import type { GcpPricingClientOptions } from './clients.ts';
import { GCP_SPOT_BANDS, LIVE_ORIGIN } from './offerings.ts';
import type { Interruption } from '../../src/model/index.ts';

/**
 * `berth catalog build --from gcp`: one region of gcp.json rewritten from
 * the Cloud Billing Catalog's Compute Engine SKUs and the project's machine
 * types, priced the way the live adapter prices them. Other regions stay.
 */

/** gcp.json with `region` rebuilt from live offerings. Pure. */
export function mergeLiveGcpRegion(existing: CloudFile | undefined, raw: GcpRawPrices): CloudFile {
  const { region, fetchedAt } = raw;
  return mergeLiveOfferings(existing, {
    cloud: 'gcp',
    region,
    fetchedAt,
    offerings: raw.offerings,
    skipped: raw.skipped,
    origin: { onDemand: LIVE_ORIGIN, spot: `${LIVE_ORIGIN} (spot SKUs)` },
    sources: [
      {
        repo: LIVE_ORIGIN,
        commit: LIVE_COMMIT,
        path: `${COMPUTE_ENGINE_SERVICE}/skus ${region}`,
        license: 'Google Cloud Billing Catalog API response',
        dataDate: fetchedAt,
        note: `core, RAM and GPU rates for ${region}, on-demand and spot, USD (berth catalog build --from gcp)`,
      },
      {
        repo: 'gcp compute engine api',
        commit: LIVE_COMMIT,
        path: `machineTypes.aggregatedList ${region}`,
        license: 'Google Compute Engine API response',
        dataDate: fetchedAt,
        note: `machine types offered in ${region}'s zones (berth catalog build --from gcp)`,
      },
    ],
    note: `on-demand and spot priced from the Cloud Billing Catalog at ${fetchedAt} (vCPUs x core rate + GiB x RAM rate + GPUs); spot band is the one assumed for GCP (Google publishes none).`,
    defaultBands: GCP_SPOT_BANDS,
    emptyWhat: 'the Cloud Billing Catalog and the machine types',
  });
}

export async function buildGcpCatalogFromLive(
  o: GcpPricingClientOptions & {
    region: string;
    spotBand?: Interruption;
    catalogDir?: string;
    outDir?: string;
    signal: AbortSignal;
    onWarning?: (message: string) => void;
  },
): Promise<RewriteResult> {
  const adapter = createGcpPricingAdapter({
    region: o.region,
    project: o.project,
    ...(o.computeEndpoint ? { computeEndpoint: o.computeEndpoint } : {}),
    ...(o.billingEndpoint ? { billingEndpoint: o.billingEndpoint } : {}),
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(o.spotBand ? { spotBand: o.spotBand } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    ...(o.catalogDir ? { catalogDir: o.catalogDir } : {}),
  });
  return rewriteCatalogRegion({
    cloud: 'gcp',
    region: o.region,
    catalogDir: o.catalogDir,
    outDir: o.outDir,
    merge: async (existing) => mergeLiveGcpRegion(existing, await adapter.raw(o.signal)),
  });
}
