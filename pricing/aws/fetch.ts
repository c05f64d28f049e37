import {
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeSpotPriceHistoryCommand,
  EC2Client,
  type EC2ClientConfig,
  type InstanceTypeOffering,
  type SpotPrice,
} from '@aws-sdk/client-ec2';
import { type Filter, GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import type { Arch } from '../../src/model/index.ts';
import type { AwsTypeSpec } from '../catalog/sources.ts';
import { type CallOptions, callAws } from './call.ts';
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
}

export interface AwsClients {
  pricing: PricingClient;
  ec2: EC2Client;
}

export function createAwsClients(o: AwsClientOptions): AwsClients {
  // We retry throttling ourselves (bounded, observable); the SDK's own retries would multiply it.
  const common = { maxAttempts: 1, ...(o.credentials ? { credentials: o.credentials } : {}) };
  return {
    pricing: new PricingClient({
      ...common,
      region: pricingRegionFor(o.region),
      ...(o.pricingEndpoint ? { endpoint: o.pricingEndpoint } : {}),
    }),
    ec2: new EC2Client({
      ...common,
      region: o.region,
      ...(o.ec2Endpoint ? { endpoint: o.ec2Endpoint } : {}),
    }),
  };
}

export interface FetchOptions extends CallOptions {
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

/** Pages of a NextToken API until the last one, at most `maxPages`. */
async function allPages<P>(
  what: string,
  page: (token: string | undefined) => Promise<{ next: string | undefined; page: P }>,
  o: FetchOptions,
): Promise<P[]> {
  const max = o.maxPages ?? DEFAULT_MAX_PAGES;
  const pages: P[] = [];
  let token: string | undefined;
  do {
    if (pages.length >= max) throw new Error(`${what}: more than ${max} pages; stopping rather than looping`);
    const result = await page(token);
    pages.push(result.page);
    token = result.next || undefined;
  } while (token !== undefined);
  return pages;
}

async function describeOfferings(ec2: EC2Client, o: FetchOptions): Promise<InstanceTypeOffering[]> {
  const action = 'ec2:DescribeInstanceTypeOfferings';
  const pages = await allPages(
    action,
    async (NextToken) => {
      const out = await callAws(
        action,
        () =>
          ec2.send(
            new DescribeInstanceTypeOfferingsCommand({
              LocationType: 'availability-zone',
              MaxResults: 1000,
              ...(NextToken ? { NextToken } : {}),
            }),
            { abortSignal: o.signal },
          ),
        o,
      );
      return { next: out.NextToken, page: out.InstanceTypeOfferings ?? [] };
    },
    o,
  );
  return pages.flat();
}

async function describeTypes(ec2: EC2Client, o: FetchOptions): Promise<Map<string, AwsTypeSpec>> {
  const action = 'ec2:DescribeInstanceTypes';
  const pages = await allPages(
    action,
    async (NextToken) => {
      const out = await callAws(
        action,
        () =>
          ec2.send(
            new DescribeInstanceTypesCommand({ MaxResults: 100, ...(NextToken ? { NextToken } : {}) }),
            {
              abortSignal: o.signal,
            },
          ),
        o,
      );
      return { next: out.NextToken, page: out.InstanceTypes ?? [] };
    },
    o,
  );
  const types = new Map<string, AwsTypeSpec>();
  for (const info of pages.flat()) {
    const spec = typeSpecOf(info);
    if (spec && info.InstanceType) types.set(info.InstanceType, spec);
    else o.warn(`${action}: ${info.InstanceType ?? 'an entry'} has no vCPU or memory; left out`);
  }
  return types;
}

async function describeSpotPrices(ec2: EC2Client, o: FetchOptions): Promise<SpotPrice[]> {
  const action = 'ec2:DescribeSpotPriceHistory';
  // StartTime now: the history then holds the price in force now for each type and zone.
  const StartTime = new Date();
  const pages = await allPages(
    action,
    async (NextToken) => {
      const out = await callAws(
        action,
        () =>
          ec2.send(
            new DescribeSpotPriceHistoryCommand({
              ProductDescriptions: [...LINUX_SPOT_PRODUCTS],
              StartTime,
              MaxResults: 1000,
              ...(NextToken ? { NextToken } : {}),
            }),
            { abortSignal: o.signal },
          ),
        o,
      );
      return { next: out.NextToken, page: out.SpotPriceHistory ?? [] };
    },
    o,
  );
  return pages.flat();
}

/** Every product of a Price List query, each still a JSON string (or already decoded). */
async function priceListItems(
  pricing: PricingClient,
  ServiceCode: string,
  Filters: Filter[],
  o: FetchOptions,
): Promise<{ page: number; index: number; raw: unknown }[]> {
  const action = 'pricing:GetProducts';
  const pages = await allPages(
    `${action} ${ServiceCode}`,
    async (NextToken) => {
      const out = await callAws(
        action,
        () =>
          pricing.send(
            new GetProductsCommand({
              ServiceCode,
              Filters,
              FormatVersion: 'aws_v1',
              MaxResults: 100,
              ...(NextToken ? { NextToken } : {}),
            }),
            { abortSignal: o.signal },
          ),
        o,
      );
      const list: unknown = out.PriceList;
      return { next: out.NextToken, page: Array.isArray(list) ? list.map(plainItem) : [] };
    },
    o,
  );
  return pages.flatMap((items, p) => items.map((raw, i) => ({ page: p + 1, index: i + 1, raw })));
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
