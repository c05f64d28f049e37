import type { Offering } from './offering.ts';

/**
 * What a controller can actually buy, reduced to the names a policy uses:
 * a policy is judged against this (its clouds, regions, zones, families and
 * GPU models must be on offer), both by the controller and by
 * `berth policy validate --cloud --region`.
 */
export interface OnOffer {
  clouds: ReadonlySet<string>;
  regions: ReadonlySet<string>;
  /** Zones that zonal offerings name; a regional offering sells in any zone of its region. */
  zones: ReadonlySet<string>;
  /** Lower case, as policies are compared. */
  families: ReadonlySet<string>;
  /** Lower case GPU models, and the families that carry each. */
  gpuFamilies: ReadonlyMap<string, ReadonlySet<string>>;
  /**
   * Each distinct machine kind once, for rules that only fail together
   * (every field on offer, yet no machine passes them all).
   */
  kinds: readonly OfferedKind[];
}

export type OfferedKind = Pick<
  Offering,
  'cloud' | 'region' | 'zone' | 'instanceType' | 'capacityType' | 'arch'
> & { family: string; gpuModel?: string };

export function onOfferOf(offerings: readonly Offering[]): OnOffer {
  const clouds = new Set<string>();
  const regions = new Set<string>();
  const zones = new Set<string>();
  const families = new Set<string>();
  const gpuFamilies = new Map<string, Set<string>>();
  const kinds = new Map<string, OfferedKind>();
  for (const o of offerings) {
    const family = o.family.toLowerCase();
    const gpuModel = o.gpu?.model.toLowerCase();
    clouds.add(o.cloud);
    regions.add(o.region);
    if (o.zone) zones.add(o.zone);
    families.add(family);
    if (gpuModel) {
      const set = gpuFamilies.get(gpuModel) ?? new Set<string>();
      set.add(family);
      gpuFamilies.set(gpuModel, set);
    }
    const key = `${o.cloud}/${o.region}/${o.zone ?? ''}/${o.instanceType}/${o.capacityType}`;
    if (!kinds.has(key)) {
      kinds.set(key, {
        cloud: o.cloud,
        region: o.region,
        ...(o.zone ? { zone: o.zone } : {}),
        instanceType: o.instanceType,
        capacityType: o.capacityType,
        arch: o.arch,
        family,
        ...(gpuModel ? { gpuModel } : {}),
      });
    }
  }
  return { clouds, regions, zones, families, gpuFamilies, kinds: [...kinds.values()] };
}

/**
 * Zone names of all three clouds start with their region: `us-east-1a` (AWS),
 * `us-central1-a` (GCP), `eastus-1` (AKS's zone label). What follows is a
 * single letter or a dash, so `us-east-10a` is not in `us-east-1`.
 */
export function zoneInRegion(zone: string, region: string): boolean {
  if (!zone.startsWith(region)) return false;
  const rest = zone.slice(region.length);
  return /^[a-z]$/.test(rest) || rest.startsWith('-');
}

/** A zone berth can launch in: named by a zonal offering, or in the region of a regional one. */
export function zoneOnOffer(zone: string, onOffer: OnOffer): boolean {
  if (onOffer.zones.has(zone)) return true;
  return onOffer.kinds.some((k) => k.zone === undefined && zoneInRegion(zone, k.region));
}
