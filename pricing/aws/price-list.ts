import { type Arch, isRecord } from '../../src/model/index.ts';

/**
 * Reading the AWS Price List Query API (`pricing:GetProducts`). Each product
 * arrives as a JSON string inside `PriceList[]`:
 * `{product: {sku, attributes: {instanceType, vcpu, memory, usagetype, ...}},
 *   terms: {OnDemand: {<offer>: {priceDimensions: {<rate>: {unit, pricePerUnit: {USD}}}}}}}`.
 * Pure functions: a damaged item comes back as a reason to skip it, named, so
 * the caller can warn and go on; one bad product never costs the whole list.
 */

/** One EC2 instance type's on-demand price, as one price list product says it. */
export interface OnDemandItem {
  instanceType: string;
  /** USD per hour. */
  pricePerHour: number;
  sku?: string;
  /** From the product attributes, when they are numbers; DescribeInstanceTypes is the authority. */
  vcpu?: number;
  memoryMiB?: number;
}

/** A product berth can't use, with what it could read of its name. */
export interface Skipped {
  skip: string;
  /** `sku X (m5.large)`, or less when the item is too damaged to say. */
  name?: string;
}

export type ItemResult<T> = { item: T } | Skipped;

export function parseOnDemandItem(raw: unknown): ItemResult<OnDemandItem> {
  const doc = decode(raw);
  if ('skip' in doc) return doc;
  const product = field(doc.value, 'product');
  const attributes = field(product, 'attributes');
  const sku = text(field(product, 'sku'));
  const instanceType = text(field(attributes, 'instanceType'));
  const name = describe(sku, instanceType);
  if (!isRecord(attributes)) return { skip: 'no product.attributes', name };
  if (!instanceType) return { skip: 'no product.attributes.instanceType', name };
  const usagetype = text(attributes.usagetype);
  // The filters ask for Linux, shared, used capacity; anything that is not a plain
  // hourly box (dedicated hosts, capacity blocks) slipped through and would mislead.
  if (usagetype !== undefined && !usagetype.includes('BoxUsage:')) {
    return { skip: `usagetype "${usagetype}" is not on-demand shared-tenancy usage`, name };
  }
  const price = hourlyUsd(field(field(doc.value, 'terms'), 'OnDemand'), (unit) => unit === 'hrs');
  if ('skip' in price) return { skip: price.skip, name };
  const item: OnDemandItem = { instanceType, pricePerHour: price.usd };
  if (sku) item.sku = sku;
  const vcpu = Number(text(attributes.vcpu));
  if (Number.isFinite(vcpu) && vcpu > 0) item.vcpu = vcpu;
  const memoryMiB = parseMemoryMiB(text(attributes.memory));
  if (memoryMiB !== undefined) item.memoryMiB = memoryMiB;
  return { item };
}

/** `8 GiB`, `0.5 GiB`, `1,952 GiB` -> MiB; undefined for `NA` or anything else. */
export function parseMemoryMiB(value: string | undefined): number | undefined {
  const match = /^([\d,]*\.?\d+)\s*GiB$/i.exec(value?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const gib = Number(match[1].replaceAll(',', ''));
  return Number.isFinite(gib) && gib > 0 ? Math.round(gib * 1024) : undefined;
}

export type FargateResource = 'vcpu' | 'memory';

/** One Fargate rate: USD per vCPU-hour or per GB-hour, for one architecture. */
export interface FargateRate {
  arch: Arch;
  resource: FargateResource;
  usd: number;
  usagetype: string;
}

/**
 * Fargate usage types, region prefix removed (`USE1-`, `EUC1-`; us-east-1 has
 * none in some lists). Matched whole, because Spot, Windows and ephemeral
 * storage rates end in similar words and bill very different amounts.
 */
const FARGATE_USAGE: Record<string, { arch: Arch; resource: FargateResource }> = {
  'Fargate-vCPU-Hours:perCPU': { arch: 'amd64', resource: 'vcpu' },
  'Fargate-GB-Hours': { arch: 'amd64', resource: 'memory' },
  'Fargate-ARM-vCPU-Hours:perCPU': { arch: 'arm64', resource: 'vcpu' },
  'Fargate-ARM-GB-Hours': { arch: 'arm64', resource: 'memory' },
};

export function fargateUsage(usagetype: string): { arch: Arch; resource: FargateResource } | undefined {
  const bare = usagetype.replace(/^[A-Z]{2,4}\d?-/, '');
  return Object.hasOwn(FARGATE_USAGE, bare) ? FARGATE_USAGE[bare] : undefined;
}

/**
 * An AmazonECS product as a Fargate rate. Products that are not one of the
 * four Fargate rates (EC2 launch type, Spot, Windows, storage) are `undefined`:
 * not damaged, just not ours.
 */
export function parseFargateItem(raw: unknown): ItemResult<FargateRate> | undefined {
  const doc = decode(raw);
  if ('skip' in doc) return doc;
  const product = field(doc.value, 'product');
  const usagetype = text(field(field(product, 'attributes'), 'usagetype'));
  if (!usagetype) return undefined;
  const usage = fargateUsage(usagetype);
  if (!usage) return undefined;
  const name = describe(text(field(product, 'sku')), usagetype);
  const price = hourlyUsd(field(field(doc.value, 'terms'), 'OnDemand'), () => true);
  if ('skip' in price) return { skip: price.skip, name };
  return { item: { ...usage, usd: price.usd, usagetype } };
}

/**
 * The one USD price per unit of a product's on-demand terms. Several offer
 * terms or dimensions agreeing on one price are fine; disagreeing ones are
 * ambiguous, and a price of 0 is a placeholder, not a gift.
 */
function hourlyUsd(onDemand: unknown, unitOk: (unit: string) => boolean): { usd: number } | { skip: string } {
  if (!isRecord(onDemand) || Object.keys(onDemand).length === 0) return { skip: 'no terms.OnDemand' };
  const prices = new Set<number>();
  let sawDimension = false;
  for (const term of Object.values(onDemand)) {
    const dimensions = field(term, 'priceDimensions');
    if (!isRecord(dimensions)) continue;
    for (const dim of Object.values(dimensions)) {
      sawDimension = true;
      const unit = (text(field(dim, 'unit')) ?? '').toLowerCase();
      if (!unitOk(unit)) continue;
      const usd = text(field(field(dim, 'pricePerUnit'), 'USD'));
      const value = usd === undefined ? Number.NaN : Number(usd);
      if (Number.isFinite(value)) prices.add(value);
    }
  }
  if (!sawDimension) return { skip: 'no terms.OnDemand.*.priceDimensions' };
  if (prices.size === 0) return { skip: 'no hourly USD price in terms.OnDemand' };
  if (prices.size > 1) return { skip: `several hourly USD prices (${[...prices].join(', ')})` };
  const [usd = 0] = prices;
  if (!(usd > 0)) return { skip: `hourly USD price is ${usd}` };
  return { usd };
}

function decode(raw: unknown): { value: Record<string, unknown> } | Skipped {
  let value: unknown = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      return { skip: `not JSON (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  return isRecord(value) ? { value } : { skip: 'not a JSON object' };
}

function describe(sku: string | undefined, what: string | undefined): string | undefined {
  if (sku && what) return `sku ${sku} (${what})`;
  return sku ? `sku ${sku}` : what;
}

function field(value: unknown, key: string): unknown {
  return isRecord(value) ? value[key] : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}
