import type { ComputeManagementClient } from '@azure/arm-compute';
import {
  type Gpu,
  InputError,
  type Offering,
  type PriceMultipliers,
  type PricingAdapter,
} from '../../src/model/index.ts';
import { loadCatalog } from '../catalog/load.ts';
import { applyMultipliers } from '../multipliers.ts';
import { azureLiveOfferings, DEFAULT_EVICTION_BAND, evictionBand } from './offerings.ts';
import { listResourceSkus, sizesFromSkus } from './resource-skus.ts';
import {
  fetchRetailPriceItems,
  linuxPrices,
  RETAIL_PRICES_ENDPOINT,
  SKIP_LOW_PRIORITY,
  SKIP_WINDOWS,
} from './retail-prices.ts';

/** Left out by design, not worth a warning on every fetch. */
const EXPECTED = new Set([SKIP_WINDOWS, SKIP_LOW_PRIORITY]);

export interface AzurePricingAdapterOptions {
  region: string;
  /** Resource SKUs of the subscription (shapes, zones, restrictions). */
  compute: ComputeManagementClient;
  /** Default: the public Retail Prices API. */
  retailEndpoint?: string;
  multipliers?: PriceMultipliers;
  /** Size -> eviction-rate band (`0-5`, `5-10`, `10-15`, `15-20`, `20+`), where Azure publishes one. */
  evictionRates?: Readonly<Record<string, string>>;
  /** The band for spot sizes without a published rate; default `10-15`. */
  defaultEvictionBand?: string;
  /** Pages of the Retail Prices API before the list is taken as broken; default 200. */
  maxPages?: number;
  onWarning?: (message: string) => void;
  catalogDir?: string;
}

export interface AzureRawPrices {
  region: string;
  fetchedAt: string;
  offerings: Offering[];
  skipped: Record<string, string[]>;
}

export interface AzurePricingAdapter extends PricingAdapter {
  readonly region: string;
  /** The offerings before multipliers, with what was left out: for `berth catalog build --from azure`. */
  raw(signal: AbortSignal): Promise<AzureRawPrices>;
}

/**
 * Live Azure prices for one region: Linux pay-as-you-go and spot from the
 * Retail Prices API, shapes, zones and the subscription's restrictions from
 * ResourceSkus. `fetch` throws when nothing usable came back, so the caller
 * keeps its last good set.
 */
export function createAzurePricingAdapter(options: AzurePricingAdapterOptions): AzurePricingAdapter {
  const { region } = options;
  if (!/^[a-z][a-z0-9]+$/.test(region)) {
    throw new InputError(`expected an Azure region name such as eastus, got "${region}"`, {
      field: 'region',
    });
  }
  const fallbackLabel = options.defaultEvictionBand ?? DEFAULT_EVICTION_BAND;
  const defaultEviction = evictionBand(fallbackLabel);
  if (!defaultEviction) {
    throw new InputError(`expected one of 0-5, 5-10, 10-15, 15-20, 20+, got "${fallbackLabel}"`, {
      field: 'defaultEvictionBand',
    });
  }
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  let embedded: { gpus: Map<string, Gpu>; burstable: Set<string> } | undefined;
  const embeddedShapes = () => {
    if (embedded) return embedded;
    const gpus = new Map<string, Gpu>();
    const burstable = new Set<string>();
    const all = loadCatalog({
      clouds: ['azure'],
      ...(options.catalogDir ? { dir: options.catalogDir } : {}),
      onWarning: () => {},
    }).offerings;
    for (const o of all) {
      if (o.gpu) gpus.set(o.instanceType, o.gpu);
      if (o.burstable) burstable.add(o.instanceType);
    }
    embedded = { gpus, burstable };
    return embedded;
  };

  const raw = async (signal: AbortSignal): Promise<AzureRawPrices> => {
    const [page, skus] = await Promise.all([
      fetchRetailPriceItems({
        endpoint: options.retailEndpoint ?? RETAIL_PRICES_ENDPOINT,
        region,
        signal,
        maxPages: options.maxPages ?? 200,
      }),
      listResourceSkus(options.compute, region, signal),
    ]);
    const fetchedAt = new Date().toISOString();
    const prices = linuxPrices(page.items, region);
    const { sizes, skipped: skuSkips } = sizesFromSkus(skus, region);
    const shapes = embeddedShapes();
    const live = azureLiveOfferings({
      region,
      fetchedAt,
      onDemand: prices.onDemand,
      spot: prices.spot,
      sizes,
      gpus: shapes.gpus,
      burstable: shapes.burstable,
      evictionRates: options.evictionRates ?? {},
      defaultEviction,
    });
    if (page.malformed > 0)
      warn(`azure ${region}: ${page.malformed} retail price items without the fields berth reads`);
    return {
      region,
      fetchedAt,
      offerings: live.offerings,
      skipped: { ...prices.skipped, ...skuSkips, ...live.skipped },
    };
  };

  return {
    cloud: 'azure',
    region,
    raw,
    async fetch(signal: AbortSignal): Promise<Offering[]> {
      const r = await raw(signal);
      for (const [reason, names] of Object.entries(r.skipped)) {
        if (EXPECTED.has(reason)) continue;
        const shown = names.slice(0, 5).join(', ');
        warn(
          `azure ${region}: ${names.length} left out, ${reason}: ${shown}${names.length > 5 ? ', ...' : ''}`,
        );
      }
      if (!r.offerings.some((o) => o.capacityType === 'on-demand')) {
        throw new Error(
          `azure ${region}: no usable on-demand price (retail prices and resource SKUs share no size); keeping the prices in use`,
        );
      }
      return applyMultipliers(r.offerings, options.multipliers);
    },
  };
}
