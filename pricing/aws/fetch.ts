import {
  EC2Client,
  type EC2ClientConfig,
  type InstanceTypeOffering,
  paginateDescribeInstanceTypeOfferings,
  paginateDescribeInstanceTypes,
  paginateDescribeSpotPriceHistory,
  type SpotPrice,
} from '@aws-sdk/client-ec2';
import { type Filter, PricingClient, paginateGetProducts } from '@aws-sdk/client-pricing';
import { type AwsRetryPolicy, awsRetryConfig } from '../../src/model/aws-retry.ts';
import type { Arch } from '../../src/model/index.ts';
import type { AwsTypeSpec } from '../catalog/sources.ts';
import { awsCallError, DEFAULT_RETRY, retryMessage } from './call.ts';
import {
  LINUX_SPOT_PRODUCTS,
  latestSpotPrices,
  typeSpecOf,
  type ZonePrice,
  zonesByType,
} from './ec2-data.ts';
import { type FargateRate, parseFargateItem, parseOnDemandItem } from './price-list.ts';

/**
 * Everything the AWS APIs say about one region at one time, before it is
 * turned into offerings or into a catalog file. The fetching (this file) is
 * the side effect; both conversions are pure functions of this.
 */
export interface AwsSnapshot {
  region: string;
  /** ISO-8601: when the fetch finished. */
  fetchedAt: string;
  /** Instance type -> USD/h, from the Price List. */
  onDemand: Map<string, number>;
  /** Instance type -> its DescribeInstanceTypes facts. */
  types: Map<string, AwsTypeSpec>;
  /** Instance type -> the zones it is sold in. */
  zones: Map<string, string[]>;
  /** Instance type -> zone -> the spot price in force. */
  spot: Map<string, Map<string, ZonePrice>>;
  /** Fargate per-vCPU and per-GB rates by architecture; absent when the price list had none. */
  fargate?: Partial<Record<Arch, FargateRates>>;
}

export interface FargateRates {
  perVcpuHour: number;
  perGiBHour: number;
}

export type PricingRegion = 'us-east-1' | 'eu-central-1' | 'ap-south-1';

/**
 * The Price List Query API answers from three regions only; prices are the
 * same from each, so pick the nearest to keep the round trips short.
 */
export function pricingRegionFor(region: string): PricingRegion {
  if (/^(eu|me|af|il)-/.test(region)) return 'eu-central-1';
  if (/^ap-/.test(region)) return 'ap-south-1';
  return 'us-east-1';
}

export interface AwsClientOptions {
  region: string;
  /** Override the Price List endpoint (tests: a local server). */
  pricingEndpoint?: string;
  /** Override the EC2 endpoint (tests: moto). */
  ec2Endpoint?: string;
  /** Default: the SDK's chain (environment, profile, IRSA / Pod Identity, instance role). */
  credentials?: EC2ClientConfig['credentials'];
  /** Throttling retries; default 6 attempts, 0.5 s doubling to at most 20 s. */
  retry?: Partial<AwsRetryPolicy>;
  /** Told about each retry, so a slow refresh can be explained. */
  onRetry?: (message: string) => void;
}

export interface AwsClients {
  pricing: PricingClient;
  ec2: EC2Client;
}

/**
 * Clients whose SDK retries throttled calls only (bounded, with backoff):
 * reads are safe to repeat, but a price list that fails otherwise is better
 * reported at once, as the caller keeps the prices it has.
 */
export function createAwsClients(o: AwsClientOptions): AwsClients {
  const retry = (what: string) =>
    awsRetryConfig({
      ...DEFAULT_RETRY,
      ...o.retry,
      retryOn: 'throttling',
      ...(o.onRetry ? { onRetry: (n) => o.onRetry?.(retryMessage(what, n)) } : {}),
    });
  const credentials = o.credentials ? { credentials: o.credentials } : {};
  return {
    pricing: new PricingClient({
      ...credentials,
      // The only call berth makes on it.
      ...retry('pricing:GetProducts'),
      region: pricingRegionFor(o.region),
      ...(o.pricingEndpoint ? { endpoint: o.pricingEndpoint } : {}),
    }),
    ec2: new EC2Client({
      ...credentials,
      ...retry('ec2:Describe*'),
      region: o.region,
      ...(o.ec2Endpoint ? { endpoint: o.ec2Endpoint } : {}),
    }),
  };
}

export interface FetchOptions {
  signal: AbortSignal;
  /** Told about every product skipped and every fallback taken. */
  warn: (message: string) => void;
  /** A paginated call that goes on longer than this is broken, not big. */
  maxPages?: number;
}

const DEFAULT_MAX_PAGES = 1000;

/** The Price List filters for Linux, shared-tenancy, on-demand EC2 in one region. */
export function ec2PriceFilters(region: string): Filter[] {
  const match = (Field: string, Value: string): Filter => ({ Type: 'TERM_MATCH', Field, Value });
  return [
    match('operatingSystem', 'Linux'),
    match('tenancy', 'Shared'),
    match('preInstalledSw', 'NA'),
    match('capacitystatus', 'Used'),
    match('regionCode', region),
  ];
}

export async function fetchAwsSnapshot(
  clients: AwsClients,
  region: string,
  o: FetchOptions,
): Promise<AwsSnapshot> {
  // EC2 first: it is the cheaper call, and its credentials errors are the clearest.
  const zones = zonesByType(await describeOfferings(clients.ec2, o));
  const types = await describeTypes(clients.ec2, o);
  const spot = latestSpotPrices(await describeSpotPrices(clients.ec2, o));
  const onDemand = await onDemandPrices(clients.pricing, region, o);
  const snapshot: AwsSnapshot = {
    region,
    fetchedAt: new Date().toISOString(),
    onDemand,
    types,
    zones,
    spot,
  };
  const fargate = await fargateRates(clients.pricing, region, o);
  if (fargate) snapshot.fargate = fargate;
  return snapshot;
}

class PageLimit extends Error {}

/**
 * Every page of one of the SDK's paginators (an EC2 describe, the price
 * list), at most `maxPages`; a failure in words naming `action`.
 */
async function allPages<P>(action: string, pages: AsyncIterable<P>, o: FetchOptions): Promise<P[]> {
  const max = o.maxPages ?? DEFAULT_MAX_PAGES;
  const out: P[] = [];
  try {
    for await (const page of pages) {
      if (out.length >= max)
        throw new PageLimit(`${action}: more than ${max} pages; stopping rather than looping`);
      out.push(page);
    }
  } catch (err) {
    throw err instanceof PageLimit ? err : awsCallError(action, err, o.signal);
  }
  return out;
}

/** What each paginator is given: the client, a page size, and the abort signal for every page's call. */
function paging<C>(client: C, pageSize: number, o: FetchOptions) {
  return [{ client, pageSize, stopOnSameToken: true }, { abortSignal: o.signal }] as const;
}

async function describeOfferings(ec2: EC2Client, o: FetchOptions): Promise<InstanceTypeOffering[]> {
  const [config, call] = paging(ec2, 1000, o);
  const pages = paginateDescribeInstanceTypeOfferings(config, { LocationType: 'availability-zone' }, call);
  return (await allPages('ec2:DescribeInstanceTypeOfferings', pages, o)).flatMap(
    (p) => p.InstanceTypeOfferings ?? [],
  );
}

async function describeTypes(ec2: EC2Client, o: FetchOptions): Promise<Map<string, AwsTypeSpec>> {
  const action = 'ec2:DescribeInstanceTypes';
  const [config, call] = paging(ec2, 100, o);
  const pages = await allPages(action, paginateDescribeInstanceTypes(config, {}, call), o);
  const types = new Map<string, AwsTypeSpec>();
  for (const info of pages.flatMap((p) => p.InstanceTypes ?? [])) {
    const spec = typeSpecOf(info);
    if (spec && info.InstanceType) types.set(info.InstanceType, spec);
    else o.warn(`${action}: ${info.InstanceType ?? 'an entry'} has no vCPU or memory; left out`);
  }
  return types;
}

async function describeSpotPrices(ec2: EC2Client, o: FetchOptions): Promise<SpotPrice[]> {
  const [config, call] = paging(ec2, 1000, o);
  // StartTime now: the history then holds the price in force now for each type and zone.
  const input = { ProductDescriptions: [...LINUX_SPOT_PRODUCTS], StartTime: new Date() };
  const pages = paginateDescribeSpotPriceHistory(config, input, call);
  return (await allPages('ec2:DescribeSpotPriceHistory', pages, o)).flatMap((p) => p.SpotPriceHistory ?? []);
}

/** Every product of a Price List query, each still a JSON string (or already decoded). */
async function priceListItems(
  pricing: PricingClient,
  ServiceCode: string,
  Filters: Filter[],
  o: FetchOptions,
): Promise<{ page: number; index: number; raw: unknown }[]> {
  const [config, call] = paging(pricing, 100, o);
  const input = { ServiceCode, Filters, FormatVersion: 'aws_v1' };
  const pages = await allPages('pricing:GetProducts', paginateGetProducts(config, input, call), o);
  return pages.flatMap((out, p) => {
    const list: unknown = out.PriceList;
    const items = Array.isArray(list) ? list.map(plainItem) : [];
    return items.map((raw, i) => ({ page: p + 1, index: i + 1, raw }));
  });
}

/** The SDK may hand an item back as a String object; the parser wants the text. */
function plainItem(item: unknown): unknown {
  return item instanceof String ? item.valueOf() : item;
}

async function onDemandPrices(
  pricing: PricingClient,
  region: string,
  o: FetchOptions,
): Promise<Map<string, number>> {
  const prices = new Map<string, number>();
  const items = await priceListItems(pricing, 'AmazonEC2', ec2PriceFilters(region), o);
  for (const { page, index, raw } of items) {
    const result = parseOnDemandItem(raw);
    const where = `price list AmazonEC2 page ${page} item ${index}`;
    if ('skip' in result) {
      o.warn(`${where}${result.name ? ` (${result.name})` : ''}: skipped, ${result.skip}`);
      continue;
    }
    const { instanceType, pricePerHour } = result.item;
    const known = prices.get(instanceType);
    if (known !== undefined && known !== pricePerHour) {
      // Two products for one type with different prices: keep the dearer, never understate a cost.
      o.warn(
        `${where}: ${instanceType} priced ${known} and ${pricePerHour}; keeping ${Math.max(known, pricePerHour)}`,
      );
    }
    prices.set(instanceType, Math.max(known ?? 0, pricePerHour));
  }
  return prices;
}

/**
 * Fargate's rates are a nicety on top of EC2's: a failure here is a warning
 * and the embedded rates stand in, never a failed refresh.
 */
async function fargateRates(
  pricing: PricingClient,
  region: string,
  o: FetchOptions,
): Promise<AwsSnapshot['fargate']> {
  let items: Awaited<ReturnType<typeof priceListItems>>;
  try {
    items = await priceListItems(
      pricing,
      'AmazonECS',
      [{ Type: 'TERM_MATCH', Field: 'regionCode', Value: region }],
      o,
    );
  } catch (err) {
    if (o.signal.aborted) throw err;
    o.warn(
      `Fargate rates not fetched, using the embedded ones: ${err instanceof Error ? err.message : String(err)}`,
    );
    return undefined;
  }
  const found: FargateRate[] = [];
  for (const { page, index, raw } of items) {
    const result = parseFargateItem(raw);
    if (result === undefined) continue;
    if ('skip' in result) {
      o.warn(
        `price list AmazonECS page ${page} item ${index}${result.name ? ` (${result.name})` : ''}: skipped, ${result.skip}`,
      );
      continue;
    }
    found.push(result.item);
  }
  return fargateByArch(found);
}

/** Both rates of an architecture, or nothing for it: half a price is no price. */
export function fargateByArch(rates: readonly FargateRate[]): AwsSnapshot['fargate'] {
  const out: Partial<Record<Arch, FargateRates>> = {};
  for (const arch of ['amd64', 'arm64'] as const) {
    const vcpu = rates.filter((r) => r.arch === arch && r.resource === 'vcpu').map((r) => r.usd);
    const memory = rates.filter((r) => r.arch === arch && r.resource === 'memory').map((r) => r.usd);
    if (vcpu.length > 0 && memory.length > 0) {
      out[arch] = { perVcpuHour: Math.max(...vcpu), perGiBHour: Math.max(...memory) };
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
