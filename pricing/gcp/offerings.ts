import { type Interruption, type Offering, offeringId } from '../../src/model/index.ts';
import type { GcpShape } from './shapes.ts';
import { type GcpRates, type GcpUsage, rateKey } from './skus.ts';

/**
 * Shared-core E2 types are priced as a fraction of one vCPU of the E2 core
 * rate (Google's pricing page: e2-micro 0.25, e2-small 0.5, e2-medium 1);
 * f1-micro and g1-small have SKUs of their own.
 */
export const SHARED_CORE_VCPUS: Readonly<Record<string, number>> = {
  'e2-micro': 0.25,
  'e2-small': 0.5,
  'e2-medium': 1,
};

/**
 * Google publishes no spot interruption rates. berth assumes this band for
 * every GCP spot offering unless told otherwise (`--gcp-spot-band`): the
 * middle of the five bands, so spot is neither treated as safe nor shunned.
 */
export const GCP_SPOT_BANDS: readonly Interruption[] = Object.freeze([
  { band: 0, label: '<5%', maxPct: 5 },
  { band: 1, label: '5-10%', maxPct: 10 },
  { band: 2, label: '10-15%', maxPct: 15 },
  { band: 3, label: '15-20%', maxPct: 20 },
  { band: 4, label: '>20%', maxPct: 100 },
]);

export const DEFAULT_GCP_SPOT_BAND: Interruption = { band: 2, label: '10-15%', maxPct: 15 };

export const LIVE_ORIGIN = 'gcp cloud billing catalog api';

export interface GcpLiveOfferings {
  offerings: Offering[];
  /** Machine types left out, by reason. */
  skipped: Record<string, string[]>;
}

/** The price of one shape for one usage, or why there is none. */
export function shapePrice(
  shape: GcpShape,
  region: string,
  usage: GcpUsage,
  rates: GcpRates,
): number | { missing: string } {
  const rate = (key: string) => rates.rates.get(rateKey(region, usage, key));
  const own = rate(`shared:${shape.name}`);
  if (own !== undefined) return own;
  const core = rate(`core:${shape.family}`);
  const ram = rate(`ram:${shape.family}`);
  if (core === undefined || ram === undefined)
    return { missing: `no ${usage} core and RAM SKUs for ${shape.family}` };
  const vcpus = SHARED_CORE_VCPUS[shape.name] ?? shape.vcpus;
  let price = vcpus * core + (shape.memoryMiB / 1024) * ram;
  if (shape.gpu) {
    const gpu = rate(`gpu:${shape.gpu.key}`);
    if (gpu === undefined) return { missing: `no ${usage} SKU for the ${shape.gpu.key} GPU` };
    price += shape.gpu.count * gpu;
  }
  return price;
}

/** Offerings for one region: each shape priced on demand and as spot, where the SKUs price it. */
export function gcpLiveOfferings(o: {
  region: string;
  shapes: Iterable<GcpShape>;
  rates: GcpRates;
  spotBand?: Interruption;
  /** GPU memory per model (the API does not give it), e.g. from the embedded catalog. */
  gpuMemoryMiB?: (model: string) => number | undefined;
  now?: Date;
}): GcpLiveOfferings {
  const observedAt = (o.now ?? new Date()).toISOString();
  const offerings: Offering[] = [];
  const skipped: Record<string, string[]> = {};
  for (const shape of o.shapes) {
    for (const usage of ['on-demand', 'spot'] as const) {
      const price = shapePrice(shape, o.region, usage, o.rates);
      if (typeof price !== 'number') {
        skipped[price.missing] = [...(skipped[price.missing] ?? []), shape.name];
        continue;
      }
      const base = {
        cloud: 'gcp' as const,
        region: o.region,
        instanceType: shape.name,
        capacityType: usage,
      };
      offerings.push({
        ...base,
        id: offeringId(base),
        family: shape.family,
        cpu: shape.vcpus * 1000,
        memoryMiB: shape.memoryMiB,
        arch: shape.arch,
        ...(shape.gpu
          ? {
              gpu: {
                count: shape.gpu.count,
                model: shape.gpu.model,
                memoryMiB: o.gpuMemoryMiB?.(shape.gpu.model) ?? 0,
              },
            }
          : {}),
        pricePerHour: Math.round(price * 1e6) / 1e6,
        ...(usage === 'spot' ? { interruption: o.spotBand ?? DEFAULT_GCP_SPOT_BAND } : {}),
        ...(shape.sharedCpu ? { burstable: true } : {}),
        source: { kind: 'live', origin: LIVE_ORIGIN, estimated: false },
        observedAt,
      });
    }
  }
  return { offerings, skipped };
}

/** How many machine types priced both live and in the embedded catalog differ by more than `tolerance` (1%). */
export function compareWithEmbedded(
  live: readonly Offering[],
  embedded: readonly Offering[],
  tolerance = 0.01,
): { compared: number; differing: number; examples: string[] } {
  const key = (o: Offering) => `${o.region}/${o.instanceType}/${o.capacityType}`;
  const byKey = new Map(embedded.map((o) => [key(o), o.pricePerHour]));
  let compared = 0;
  const differing: string[] = [];
  for (const o of live) {
    const e = byKey.get(key(o));
    if (e === undefined || e <= 0) continue;
    compared++;
    if (Math.abs(o.pricePerHour - e) / e > tolerance)
      differing.push(`${o.instanceType} ${o.capacityType}: live ${o.pricePerHour}, embedded ${e}`);
  }
  return { compared, differing: differing.length, examples: differing.slice(0, 5) };
}
