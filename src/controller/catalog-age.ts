import type { CapacityType, Cloud, Offering } from '../model/index.ts';

export interface CatalogAge {
  cloud: Cloud;
  capacityType: CapacityType;
  /** Age of the oldest price of this kind in use. */
  seconds: number;
}

/**
 * How old the prices deciding placements are, per cloud and capacity type:
 * the oldest table in use is the one an operator has to refresh, so the
 * gauge follows it rather than the newest.
 */
export function catalogAges(offerings: readonly Offering[], now: number): CatalogAge[] {
  const oldest = new Map<string, { cloud: Cloud; capacityType: CapacityType; at: number }>();
  for (const o of offerings) {
    const at = Date.parse(o.observedAt);
    if (!Number.isFinite(at)) continue;
    const key = `${o.cloud}/${o.capacityType}`;
    const seen = oldest.get(key);
    if (!seen || at < seen.at) oldest.set(key, { cloud: o.cloud, capacityType: o.capacityType, at });
  }
  return [...oldest.values()].map(({ cloud, capacityType, at }) => ({
    cloud,
    capacityType,
    seconds: Math.max(0, Math.round((now - at) / 1000)),
  }));
}
