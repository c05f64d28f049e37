import { InputError } from '../../src/model/index.ts';
import { naturalCompare, SkipLog, usedShapes } from '../catalog/convert/common.ts';
import { type RewriteResult, rewriteCatalogRegion } from '../catalog/rewrite.ts';
import { CATALOG_FORMAT, type CloudFile, type PriceTable, type SourceRef } from '../catalog/schema.ts';
import { createAwsPricingAdapter } from './adapter.ts';
import type { AwsSnapshot } from './fetch.ts';
import { liveShapes, ON_DEMAND_ORIGIN, SPOT_ORIGIN } from './offerings.ts';

/**
 * `berth catalog build --from aws`: one region of the embedded AWS catalog
 * (aws.json) rewritten from the live APIs, in the file's own compact format.
 * Other regions, the interruption bands and their sources stay as they are.
 * Fargate rates live in serverless.json and are not touched.
 */

/** Marks the sources, notes and skip reasons a live build wrote, so the next build of the region replaces them. */
const LIVE_COMMIT = 'live-api';
const livePrefix = (region: string) => `${region} live:`;

/**
 * The catalog file with `region` rebuilt from a live snapshot. Pure. The
 * file's spot format has no zones, so a type's spot price is the highest of
 * its zones: the regional offering may land in any of them, and the
 * catalog should not promise the cheapest.
 */
export function mergeLiveRegion(existing: CloudFile | undefined, snapshot: AwsSnapshot): CloudFile {
  const { region, fetchedAt } = snapshot;
  const skipped = new SkipLog();
  const shapes = liveShapes(snapshot.types, skipped);
  const prefix = livePrefix(region);

  const onDemand: PriceTable = {
    observedAt: fetchedAt,
    origin: ON_DEMAND_ORIGIN,
    estimated: false,
    prices: {},
  };
  for (const type of [...snapshot.onDemand.keys()].sort(naturalCompare)) {
    const price = snapshot.onDemand.get(type);
    if (price === undefined) continue;
    if (!shapes.has(type)) {
      if (!snapshot.types.has(type)) skipped.add(`${prefix} priced but not described by EC2`, type);
      continue;
    }
    if (snapshot.zones.size > 0 && !snapshot.zones.has(type)) {
      skipped.add(`${prefix} priced but not offered in any zone`, type);
      continue;
    }
    onDemand.prices[type] = price;
  }
  if (Object.keys(onDemand.prices).length === 0) {
    throw new InputError(
      `the price list gave no usable on-demand price for ${region} (${snapshot.onDemand.size} priced, ` +
        `${snapshot.types.size} types described); the catalog is left as it was`,
      { source: 'aws', field: 'region' },
    );
  }

  const oldBands = existing?.regions[region]?.spot?.bands ?? {};
  const spot: PriceTable = {
    observedAt: fetchedAt,
    origin: `${SPOT_ORIGIN} (highest zone price)`,
    estimated: false,
    prices: {},
    bands: {},
  };
  for (const type of [...snapshot.spot.keys()].sort(naturalCompare)) {
    if (!shapes.has(type)) continue;
    const classes = snapshot.types.get(type)?.usageClasses;
    if (classes && !classes.includes('spot')) continue;
    const sold = snapshot.zones.get(type);
    const zonePrices = [...(snapshot.spot.get(type) ?? [])]
      .filter(([zone]) => snapshot.zones.size === 0 || sold?.includes(zone))
      .map(([, p]) => p.price);
    if (zonePrices.length === 0) continue;
    spot.prices[type] = Math.max(...zonePrices);
    const band = oldBands[type];
    if (band !== undefined && spot.bands) spot.bands[type] = band;
  }
  if (spot.bands && Object.keys(spot.bands).length === 0) delete spot.bands;

  const regions: CloudFile['regions'] = { ...existing?.regions };
  regions[region] =
    Object.keys(spot.prices).length > 0 ? { 'on-demand': onDemand, spot } : { 'on-demand': onDemand };

  // Shapes other regions still price keep their rows; the live ones win for this region's types.
  const allShapes = new Map(Object.entries(existing?.shapes ?? {}));
  for (const [type, shape] of shapes) allShapes.set(type, shape);

  const sources: SourceRef[] = [
    ...(existing?.sources ?? []).filter((s) => !(s.commit === LIVE_COMMIT && s.path.endsWith(` ${region}`))),
    {
      repo: ON_DEMAND_ORIGIN,
      commit: LIVE_COMMIT,
      path: `pricing:GetProducts AmazonEC2 ${region}`,
      license: 'AWS public price list',
      dataDate: fetchedAt,
      note: `on-demand prices for ${region}, Linux, shared tenancy, USD (berth catalog build --from aws)`,
    },
    {
      repo: 'aws ec2 api',
      commit: LIVE_COMMIT,
      path: `DescribeSpotPriceHistory, DescribeInstanceTypes, DescribeInstanceTypeOfferings ${region}`,
      license: 'AWS API response',
      dataDate: fetchedAt,
      note: `spot prices, shapes and zones for ${region} (berth catalog build --from aws)`,
    },
  ];
  const notes = [
    ...(existing?.notes ?? []).filter((n) => !n.startsWith(prefix)),
    `${prefix} on-demand from the Price List Query API and spot from DescribeSpotPriceHistory at ${fetchedAt}; ` +
      'spot is the highest price of the zones that sell the type (the file has no zones); bands kept from the Spot Advisor data.',
  ];
  const skippedOut: Record<string, string[]> = Object.fromEntries(
    Object.entries(existing?.skipped ?? {}).filter(([reason]) => !reason.startsWith(prefix)),
  );
  for (const [reason, names] of Object.entries(skipped.toRecord())) {
    skippedOut[reason.startsWith(prefix) ? reason : `${prefix} ${reason}`] = names;
  }

  const file: CloudFile = {
    format: CATALOG_FORMAT,
    cloud: 'aws',
    sources,
    notes,
    skipped: skippedOut,
    shapes: usedShapes(allShapes, regions),
    regions,
  };
  if (existing?.interruptionBands) file.interruptionBands = existing.interruptionBands;
  return file;
}

export interface BuildFromAwsOptions {
  region: string;
  pricingEndpoint?: string;
  ec2Endpoint?: string;
  /** Where aws.json is read from; default the embedded catalog's directory. */
  catalogDir?: string;
  /** Where aws.json is written; default `catalogDir`. */
  outDir?: string;
  signal: AbortSignal;
  onWarning?: (message: string) => void;
}

export type BuildFromAwsResult = RewriteResult;

/** Fetches one region live and rewrites aws.json with it. Nothing is written unless the result passes the schema. */
export async function buildAwsCatalogFromLive(o: BuildFromAwsOptions): Promise<BuildFromAwsResult> {
  const adapter = createAwsPricingAdapter({
    region: o.region,
    ...(o.pricingEndpoint ? { pricingEndpoint: o.pricingEndpoint } : {}),
    ...(o.ec2Endpoint ? { ec2Endpoint: o.ec2Endpoint } : {}),
    ...(o.onWarning ? { onWarning: o.onWarning } : {}),
    // Only shapes are needed from the embedded side, and they come from EC2 here.
    embedded: () => [],
  });
  return rewriteCatalogRegion({
    cloud: 'aws',
    region: o.region,
    catalogDir: o.catalogDir,
    outDir: o.outDir,
    merge: async (existing) => mergeLiveRegion(existing, await adapter.snapshot(o.signal)),
  });
}
