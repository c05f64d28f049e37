/**
 * Cloud Billing Catalog SKUs of Compute Engine, read into hourly rates.
 * Compute Engine has no per-machine-type SKU: a machine's price is its vCPUs
 * times its family's core rate plus its GiB times its family's RAM rate (plus
 * its GPUs), per region. Each SKU is mapped to a family and a resource from
 * its category and description, and to regions from `serviceRegions`; a SKU
 * of a machine resource that matches nothing is counted and reported, never
 * guessed.
 */

/** The fields of a Cloud Billing `Sku` that berth reads (the REST shape, as the client returns it). */
export interface BillingSku {
  skuId?: string | null;
  description?: string | null;
  category?: {
    resourceFamily?: string | null;
    resourceGroup?: string | null;
    usageType?: string | null;
  } | null;
  serviceRegions?: string[] | null;
  pricingInfo?:
    | {
        pricingExpression?: {
          usageUnit?: string | null;
          tieredRates?:
            | {
                startUsageAmount?: number | null;
                unitPrice?: {
                  currencyCode?: string | null;
                  units?: string | number | Long | null;
                  nanos?: number | null;
                } | null;
              }[]
            | null;
        } | null;
        currencyConversionRate?: number | null;
        effectiveTime?: unknown;
      }[]
    | null;
}

/** protobuf's int64 as the client may hand it over. */
interface Long {
  toString(): string;
}

export type GcpUsage = 'on-demand' | 'spot';

/** One hourly rate: a family's vCPU or GiB of RAM, or one GPU of a model. */
export interface GcpRate {
  region: string;
  usage: GcpUsage;
  /** `core:e2`, `ram:e2`, `gpu:a100-80gb`, `shared:f1-micro`. */
  key: string;
  usdPerHour: number;
}

export interface GcpRates {
  /** `${region}/${usage}/${key}` -> USD per hour. */
  readonly rates: ReadonlyMap<string, number>;
  /** Machine SKUs (CPU, RAM, GPU) of an on-demand or spot usage that matched no family or model. */
  readonly unmatched: { count: number; examples: string[] };
  /** SKUs not about machines (disks, network, licences, commitments): not counted as unmatched. */
  readonly ignored: number;
}

export const rateKey = (region: string, usage: GcpUsage, key: string) => `${region}/${usage}/${key}`;

/** Descriptions that name a family other than by its own name. */
const FAMILY_ALIASES: Readonly<Record<string, string>> = {
  'compute optimized': 'c2',
  'memory-optimized': 'm1',
  'memory optimized': 'm1',
};

/** `E2 Instance Core`, `N2D AMD Instance Ram`, `T2A Arm Instance Core`, `N1 Predefined Instance Core`, `Compute optimized Core`. */
const MACHINE =
  /^(?<family>[A-Za-z0-9]+|Compute optimized|Memory-optimized|Memory optimized)(?: (?:AMD|Arm|Intel|Predefined|Sole Tenancy))* (?:Instance )?(?<resource>Core|Ram)\b(?! .*(?:Custom|Extended|Sole Tenancy|Commitment))/;
/** `Nvidia Tesla A100 GPU`, `Nvidia A100 80GB GPU`, `Nvidia L4 GPU`, `Nvidia H100 80GB GPU`. */
const GPU =
  /^Nvidia (?:Tesla )?(?<model>[A-Za-z0-9]+)(?: (?<memory>\d+GB))? GPU\b(?! .*(?:Commitment|Virtual Workstation))/;
/** The shared-core machines priced by their own SKU: `Micro Instance with burstable CPU`, `Small Instance with 1 VCPU`. */
const SHARED: readonly [RegExp, string][] = [
  [/^Micro Instance with burstable CPU\b/, 'f1-micro'],
  [/^Small Instance with 1 VCPU\b/, 'g1-small'],
];

/** `Spot Preemptible E2 Instance Core running in Americas` -> `E2 Instance Core`. */
function subject(description: string): string {
  return description
    .replace(/^(?:Spot Preemptible|Preemptible|Spot)\s+/i, '')
    .replace(/\s+running in .*$/i, '')
    .trim();
}

/** The machine resource a SKU prices (`core:e2`, `gpu:a100`), or undefined when it matches nothing. */
export function skuResourceKey(description: string): string | undefined {
  const s = subject(description);
  for (const [re, type] of SHARED) if (re.test(s)) return `shared:${type}`;
  const gpu = GPU.exec(s)?.groups;
  if (gpu?.model) return `gpu:${gpu.model.toLowerCase()}${gpu.memory ? `-${gpu.memory.toLowerCase()}` : ''}`;
  if (/\b(Custom|Extended|Sole Tenancy|Commitment|Reserved)\b/i.test(s)) return undefined;
  const m = MACHINE.exec(s)?.groups;
  if (!m?.family || !m.resource) return undefined;
  const family = FAMILY_ALIASES[m.family.toLowerCase()] ?? m.family.toLowerCase();
  return `${m.resource === 'Core' ? 'core' : 'ram'}:${family}`;
}

function usageOf(sku: BillingSku): GcpUsage | undefined {
  const usage = sku.category?.usageType;
  if (usage === 'OnDemand') return 'on-demand';
  if (usage === 'Preemptible') return 'spot';
  return undefined;
}

/** USD per hour (or per GiB-hour) of a SKU's first tier, converted when the catalog answered in another currency. */
export function skuHourlyUsd(sku: BillingSku): number | undefined {
  const info = sku.pricingInfo?.[0];
  const expr = info?.pricingExpression;
  const unit = expr?.usageUnit;
  if (unit !== 'h' && unit !== 'GiBy.h') return undefined;
  const tiers = expr?.tieredRates ?? [];
  // The first paid tier: some SKUs start with a free tier at 0.
  const tier = tiers.find((t) => Number(t.unitPrice?.units ?? 0) > 0 || (t.unitPrice?.nanos ?? 0) > 0);
  const price = tier?.unitPrice;
  if (!price) return undefined;
  const amount = Number(String(price.units ?? 0)) + (price.nanos ?? 0) / 1e9;
  if (!Number.isFinite(amount)) return undefined;
  if ((price.currencyCode ?? 'USD') === 'USD') return amount;
  const rate = info?.currencyConversionRate ?? 0;
  return rate > 0 ? amount / rate : undefined;
}

const MACHINE_GROUPS = new Set(['CPU', 'RAM', 'GPU', 'N1Standard', 'F1Micro', 'G1Small']);

/** Reads SKUs (every page of Compute Engine's) into rates for the regions asked for (all when none). */
export function ratesFromSkus(skus: Iterable<BillingSku>, regions?: readonly string[]): GcpRates {
  const rates = new Map<string, number>();
  const unmatched: string[] = [];
  let ignored = 0;
  const wanted = regions ? new Set(regions) : undefined;
  for (const sku of skus) {
    const usage = usageOf(sku);
    const group = sku.category?.resourceGroup ?? '';
    if (sku.category?.resourceFamily !== 'Compute' || !usage || !MACHINE_GROUPS.has(group)) {
      ignored++;
      continue;
    }
    const description = sku.description ?? '';
    const key = skuResourceKey(description);
    const price = skuHourlyUsd(sku);
    if (!key || price === undefined) {
      unmatched.push(description || sku.skuId || '(no description)');
      continue;
    }
    for (const region of sku.serviceRegions ?? []) {
      if (wanted && !wanted.has(region)) continue;
      rates.set(rateKey(region, usage, key), price);
    }
  }
  return { rates, unmatched: { count: unmatched.length, examples: unmatched.slice(0, 5) }, ignored };
}
