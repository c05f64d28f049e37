import { loadCatalog } from '../../pricing/catalog/load.ts';
import { applyMultipliers } from '../../pricing/multipliers.ts';
import { type Cloud, InputError, type Offering, type PriceMultipliers, type Reach } from '../model/index.ts';
import { type ReachResult, withinReach } from '../placement/reach.ts';

/** Live offerings replace the embedded ones of their cloud and region. */
export function withLive(embedded: readonly Offering[], live: readonly Offering[]): Offering[] {
  const covered = new Set(live.map((o) => `${o.cloud}/${o.region}`));
  return [...embedded.filter((o) => !covered.has(`${o.cloud}/${o.region}`)), ...live];
}

/**
 * What `berth run` decides among for one cloud region, and so what `berth
 * quote` predicts with: the catalog's offerings there (live ones, when
 * given, in place of the embedded), discounted, inside the provider's reach.
 * Age warnings speak only of the tables the reach can buy from.
 */
export function offeringsFor(o: {
  cloud: Cloud;
  region: string;
  reach: Reach;
  multipliers?: PriceMultipliers | undefined;
  live?: readonly Offering[];
  catalogDir?: string | undefined;
  onWarning?: (message: string) => void;
}): ReachResult & { catalogCount: number } {
  const catalog = loadCatalog({
    clouds: [o.cloud],
    regions: [o.region],
    capacityTypes: o.reach.capacityTypes,
    serverless: o.reach.serverless,
    ...(o.catalogDir ? { dir: o.catalogDir } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
  });
  const all = withLive(applyMultipliers(catalog.offerings, o.multipliers), o.live ?? []);
  return { ...withinReach(all, o.reach), catalogCount: all.length };
}

/** Why there is nothing to decide among: no catalog prices for the region, or none the provider can launch. */
export function nothingToDecideAmong(o: { cloud: Cloud; region: string; catalogCount: number }): InputError {
  return o.catalogCount === 0
    ? new InputError(
        `the embedded catalog has no offerings for ${o.cloud} ${o.region}: price it live with --live-prices, or pick a region the catalog has (berth catalog info lists them)`,
        { field: '--region' },
      )
    : new InputError(
        `none of the ${o.catalogCount} offerings for ${o.cloud} ${o.region} is one the provider can launch (its reach: see the log or berth quote)`,
        { field: '--provider' },
      );
}
