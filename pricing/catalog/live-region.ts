import { InputError, type Interruption, type Offering } from '../../src/model/index.ts';
import { naturalCompare, usedShapes } from './convert/common.ts';
import { CATALOG_FORMAT, type CloudFile, type PriceTable, type ShapeRow, type SourceRef } from './schema.ts';

/**
 * `berth catalog build --from <cloud>` for clouds whose adapter yields
 * offerings (Azure, GCP): one region of the cloud's file rebuilt from live
 * offerings. Other regions, their sources and notes stay as they are; what a
 * previous live build of the region wrote (marked by LIVE_COMMIT and the
 * region prefix) is replaced. The file has no zones, so a type's price is
 * the highest of its offerings.
 */

export const LIVE_COMMIT = 'live-api';
export const livePrefix = (region: string) => `${region} live:`;

export interface LiveRegion {
  cloud: Offering['cloud'];
  region: string;
  fetchedAt: string;
  offerings: readonly Offering[];
  /** Types left out by the adapter, by reason. */
  skipped: Readonly<Record<string, string[]>>;
  origin: { onDemand: string; spot: string };
  /** Where this build read from; each path must end with ` <region>`. */
  sources: readonly SourceRef[];
  note: string;
  /** The file's band list when it has none yet (band indexes point into it). */
  defaultBands: readonly Interruption[];
  /** Said when no on-demand price came out: what was asked. */
  emptyWhat: string;
}

/** The cloud's file with `live.region` rebuilt. Pure. */
export function mergeLiveOfferings(existing: CloudFile | undefined, live: LiveRegion): CloudFile {
  const { region, fetchedAt } = live;
  const prefix = livePrefix(region);
  const table = (origin: string): PriceTable => ({
    observedAt: fetchedAt,
    origin,
    estimated: false,
    prices: {},
  });
  const onDemand = table(live.origin.onDemand);
  const spot: PriceTable = { ...table(live.origin.spot), bands: {} };
  const shapes = new Map(Object.entries(existing?.shapes ?? {}));
  for (const o of [...live.offerings].sort((a, b) => naturalCompare(a.instanceType, b.instanceType))) {
    if (o.capacityType !== 'on-demand' && o.capacityType !== 'spot') continue;
    const t = o.capacityType === 'spot' ? spot : onDemand;
    t.prices[o.instanceType] = Math.max(t.prices[o.instanceType] ?? 0, o.pricePerHour);
    if (o.capacityType === 'spot' && o.interruption && spot.bands)
      spot.bands[o.instanceType] = o.interruption.band;
    const shape: ShapeRow = { family: o.family, cpu: o.cpu, memoryMiB: o.memoryMiB, arch: o.arch };
    if (o.gpu) shape.gpu = o.gpu;
    if (o.burstable) shape.burstable = true;
    shapes.set(o.instanceType, shape);
  }
  if (Object.keys(onDemand.prices).length === 0) {
    throw new InputError(
      `${live.emptyWhat} gave no usable on-demand price for ${region}; the catalog is left as it was`,
      { source: live.cloud, field: 'region' },
    );
  }
  if (spot.bands && Object.keys(spot.bands).length === 0) delete spot.bands;
  const regions: CloudFile['regions'] = { ...existing?.regions };
  regions[region] =
    Object.keys(spot.prices).length > 0 ? { 'on-demand': onDemand, spot } : { 'on-demand': onDemand };
  const skipped: Record<string, string[]> = Object.fromEntries(
    Object.entries(existing?.skipped ?? {}).filter(([reason]) => !reason.startsWith(prefix)),
  );
  for (const [reason, names] of Object.entries(live.skipped)) skipped[`${prefix} ${reason}`] = names;
  return {
    format: CATALOG_FORMAT,
    cloud: live.cloud,
    sources: [
      ...(existing?.sources ?? []).filter(
        (s) => !(s.commit === LIVE_COMMIT && s.path.endsWith(` ${region}`)),
      ),
      ...live.sources,
    ],
    notes: [...(existing?.notes ?? []).filter((n) => !n.startsWith(prefix)), `${prefix} ${live.note}`],
    skipped,
    interruptionBands:
      existing?.interruptionBands ??
      live.defaultBands.map((b) => ({ index: b.band, label: b.label, maxPct: b.maxPct })),
    shapes: usedShapes(shapes, regions),
    regions,
  };
}
