import {
  type Gpu,
  type Interruption,
  type Offering,
  offeringId,
  type PriceSource,
} from '../../src/model/index.ts';
import { SkipLog } from '../catalog/convert/common.ts';
import { azureFamily } from '../catalog/convert/azure.ts';
import type { AzureSize } from './resource-skus.ts';

export const RETAIL_ORIGIN = 'azure retail prices api';

const LIVE: PriceSource = Object.freeze({ kind: 'live', origin: RETAIL_ORIGIN, estimated: false });

/**
 * Azure's spot eviction-rate bands (percent of spot VMs of a size evicted in
 * a region over the trailing window, as the portal and Azure Resource Graph's
 * `SpotResources` table publish them), lowest first.
 */
export const EVICTION_BANDS: readonly Interruption[] = Object.freeze([
  { band: 0, label: '0-5%', maxPct: 5 },
  { band: 1, label: '5-10%', maxPct: 10 },
  { band: 2, label: '10-15%', maxPct: 15 },
  { band: 3, label: '15-20%', maxPct: 20 },
  { band: 4, label: '20+%', maxPct: 100 },
]);

/** The band berth assumes for a size with no published eviction rate: the middle one, neither hopeful nor dire. */
export const DEFAULT_EVICTION_BAND = '10-15';

/** `0-5`, `5-10%`, `20+` -> the band; undefined for anything else. */
export function evictionBand(label: string): Interruption | undefined {
  const key = label.trim().replace(/%$/, '');
  return EVICTION_BANDS.find((b) => b.label.replace(/%$/, '') === key);
}

export const SKIP_NO_SIZE = 'priced but ResourceSkus does not offer it here (or restricts it)';
export const SKIP_NOT_SPOT_CAPABLE = 'spot price for a size not sold as spot';
export const SKIP_GPU_UNKNOWN = 'GPU size whose GPU model berth does not know';

export interface AzureLiveInputs {
  region: string;
  fetchedAt: string;
  onDemand: ReadonlyMap<string, number>;
  spot: ReadonlyMap<string, number>;
  sizes: ReadonlyMap<string, AzureSize>;
  /** GPU model and memory per size, from the embedded catalog (ResourceSkus gives only a count). */
  gpus: ReadonlyMap<string, Gpu>;
  /** Burstable sizes known to the embedded catalog (B-series by name otherwise). */
  burstable: ReadonlySet<string>;
  /** Size -> eviction-rate band label, where Azure gives one. */
  evictionRates: Readonly<Record<string, string>>;
  /** The band for sizes without a published rate. */
  defaultEviction: Interruption;
}

/** `eastus` + `1` -> `eastus-1`, the zone label AKS gives its nodes. */
export function zoneLabel(region: string, zone: string): string {
  return `${region}-${zone}`;
}

/**
 * Offerings from live prices and the subscription's SKUs: one per zone the
 * size is offered in (regional when it has none), on-demand and, for
 * spot-capable sizes with a spot meter, spot with its eviction band. Pure.
 */
export function azureLiveOfferings(input: AzureLiveInputs): {
  offerings: Offering[];
  skipped: Record<string, string[]>;
} {
  const skipped = new SkipLog();
  const offerings: Offering[] = [];
  const add = (size: string, price: number, capacityType: 'on-demand' | 'spot') => {
    const info = input.sizes.get(size);
    if (!info) {
      skipped.add(SKIP_NO_SIZE, size);
      return;
    }
    if (capacityType === 'spot' && !info.spotCapable) {
      skipped.add(SKIP_NOT_SPOT_CAPABLE, size);
      return;
    }
    const gpu = info.gpus > 0 ? input.gpus.get(size) : undefined;
    if (info.gpus > 0 && !gpu) {
      skipped.add(SKIP_GPU_UNKNOWN, size);
      return;
    }
    const zones = info.zones.length > 0 ? info.zones.map((z) => zoneLabel(input.region, z)) : [undefined];
    for (const zone of zones) {
      const o: Offering = {
        id: offeringId({ cloud: 'azure', region: input.region, zone, instanceType: size, capacityType }),
        cloud: 'azure',
        region: input.region,
        ...(zone ? { zone } : {}),
        instanceType: size,
        family: azureFamily(size),
        capacityType,
        cpu: Math.round(info.vcpus * 1000),
        memoryMiB: info.memoryMiB,
        arch: info.arch,
        pricePerHour: price,
        source: LIVE,
        observedAt: input.fetchedAt,
      };
      if (gpu) o.gpu = gpu;
      if (input.burstable.has(size) || /^Standard_B\d/.test(size)) o.burstable = true;
      if (capacityType === 'spot') {
        const rate = input.evictionRates[size];
        o.interruption = (rate && evictionBand(rate)) || input.defaultEviction;
      }
      offerings.push(o);
    }
  };
  for (const [size, price] of input.onDemand) add(size, price, 'on-demand');
  for (const [size, price] of input.spot) add(size, price, 'spot');
  return { offerings, skipped: skipped.toRecord() };
}
