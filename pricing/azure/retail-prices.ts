import { SkipLog } from '../catalog/convert/common.ts';

/** The public Azure Retail Prices API: no account, no credentials. */
export const RETAIL_PRICES_ENDPOINT = 'https://prices.azure.com/api/retail/prices';

/** The fields of one Retail Prices item berth reads (the page carries more). */
export interface RetailPriceItem {
  currencyCode: string;
  retailPrice: number;
  armRegionName: string;
  armSkuName: string;
  meterName: string;
  productName: string;
  skuName: string;
  serviceName: string;
  type: string;
  unitOfMeasure: string;
  isPrimaryMeterRegion?: boolean;
}

/** Linux pay-as-you-go prices of one region, per VM size (`Standard_D2s_v3`), USD per hour. */
export interface RetailPrices {
  onDemand: Map<string, number>;
  spot: Map<string, number>;
  /** Reason -> size (or meter) names left out. */
  skipped: Record<string, string[]>;
}

export const SKIP_WINDOWS = 'Windows product';
export const SKIP_LOW_PRIORITY = 'Low Priority meter (retired in favour of Spot)';
export const SKIP_NOT_HOURLY = 'not priced per hour';
export const SKIP_NOT_USD = 'not in USD';
export const SKIP_OTHER_REGION = 'item for another region';
export const SKIP_NO_PRICE = 'no usable price';

/** The OData filter: VM consumption prices of one region, in USD. */
export function retailPricesFilter(region: string): string {
  return [
    "serviceName eq 'Virtual Machines'",
    `armRegionName eq '${region}'`,
    "priceType eq 'Consumption'",
    "currencyCode eq 'USD'",
  ].join(' and ');
}

export function retailPricesUrl(endpoint: string, region: string): string {
  const url = new URL(endpoint);
  url.searchParams.set('currencyCode', 'USD');
  url.searchParams.set('$filter', retailPricesFilter(region));
  return url.toString();
}

function isItem(value: unknown): value is RetailPriceItem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.armSkuName === 'string' &&
    typeof v.retailPrice === 'number' &&
    typeof v.productName === 'string' &&
    typeof v.meterName === 'string' &&
    typeof v.skuName === 'string'
  );
}

/**
 * Every item of the region, following `NextPageLink` to the end. A next
 * link is followed only on the endpoint's own origin (a page must not send
 * berth elsewhere), and at most `maxPages` pages are read before the list is
 * taken as broken.
 */
export async function fetchRetailPriceItems(o: {
  endpoint: string;
  region: string;
  signal: AbortSignal;
  maxPages: number;
}): Promise<{ items: RetailPriceItem[]; pages: number; malformed: number }> {
  const origin = new URL(o.endpoint).origin;
  let next: string | null = retailPricesUrl(o.endpoint, o.region);
  const items: RetailPriceItem[] = [];
  let pages = 0;
  let malformed = 0;
  while (next) {
    if (pages >= o.maxPages) {
      throw new Error(`azure retail prices: still more pages after ${o.maxPages}; giving up on this fetch`);
    }
    const res = await fetch(next, { signal: o.signal, headers: { accept: 'application/json' } });
    if (!res.ok) {
      throw new Error(`azure retail prices: ${res.status} ${res.statusText} from ${new URL(next).pathname}`);
    }
    const page = (await res.json()) as { Items?: unknown; NextPageLink?: unknown };
    pages++;
    if (!Array.isArray(page.Items)) throw new Error('azure retail prices: a page without an Items array');
    for (const item of page.Items) {
      if (isItem(item)) items.push(item);
      else malformed++;
    }
    const link = typeof page.NextPageLink === 'string' && page.NextPageLink ? page.NextPageLink : null;
    if (link && new URL(link).origin !== origin) {
      throw new Error(`azure retail prices: NextPageLink leaves ${origin}; not followed`);
    }
    next = link;
  }
  return { items, pages, malformed };
}

/**
 * Linux prices per size from the region's items: Windows products and Low
 * Priority meters are dropped; a `skuName` ending " Spot" is the spot price,
 * anything else the on-demand price. Where several meters price one size,
 * the primary meter region's wins, then the lower price. Pure.
 */
export function linuxPrices(items: readonly RetailPriceItem[], region: string): RetailPrices {
  const skipped = new SkipLog();
  const onDemand = new Map<string, { price: number; primary: boolean }>();
  const spot = new Map<string, { price: number; primary: boolean }>();
  for (const item of items) {
    const size = item.armSkuName.trim();
    if (item.armRegionName !== region) {
      skipped.add(SKIP_OTHER_REGION, `${size} ${item.armRegionName}`);
      continue;
    }
    if (/ Windows$/.test(item.productName)) {
      skipped.add(SKIP_WINDOWS, size);
      continue;
    }
    if (/ Low Priority$/.test(item.meterName) || / Low Priority$/.test(item.skuName)) {
      skipped.add(SKIP_LOW_PRIORITY, size);
      continue;
    }
    if (item.currencyCode !== 'USD') {
      skipped.add(SKIP_NOT_USD, size);
      continue;
    }
    if (item.unitOfMeasure !== '1 Hour') {
      skipped.add(SKIP_NOT_HOURLY, size);
      continue;
    }
    if (!size || !(item.retailPrice > 0) || !Number.isFinite(item.retailPrice)) {
      skipped.add(SKIP_NO_PRICE, size || item.meterName);
      continue;
    }
    const table = / Spot$/.test(item.skuName) ? spot : onDemand;
    const primary = item.isPrimaryMeterRegion !== false;
    const held = table.get(size);
    const better =
      !held || (primary && !held.primary) || (primary === held.primary && item.retailPrice < held.price);
    if (better) table.set(size, { price: item.retailPrice, primary });
  }
  const prices = (m: Map<string, { price: number }>) => new Map([...m].map(([k, v]) => [k, v.price]));
  return { onDemand: prices(onDemand), spot: prices(spot), skipped: skipped.toRecord() };
}
