import { type Interruption, type Offering, offeringId, type PriceSource } from '../../src/model/index.ts';
import { awsShape, wholeGpuMemory } from '../catalog/convert/aws.ts';
import { SkipLog } from '../catalog/convert/common.ts';
import { largestShape } from '../catalog/convert/serverless.ts';
import type { ShapeRow } from '../catalog/schema.ts';
import type { AwsTypeSpec } from '../catalog/sources.ts';
import type { AwsSnapshot } from './fetch.ts';

export const ON_DEMAND_ORIGIN = 'aws price list api';
export const SPOT_ORIGIN = 'aws ec2 DescribeSpotPriceHistory';

const ON_DEMAND_SOURCE: PriceSource = Object.freeze({
  kind: 'live',
  origin: ON_DEMAND_ORIGIN,
  estimated: false,
});
const SPOT_SOURCE: PriceSource = Object.freeze({ kind: 'live', origin: SPOT_ORIGIN, estimated: false });

export const SKIP_NOT_OFFERED = 'priced but not offered in any zone of the region';
export const SKIP_NO_TYPE = 'priced but DescribeInstanceTypes does not describe the type';
export const SKIP_ZONE_NOT_OFFERED = 'spot price for a zone that does not offer the type';
export const SKIP_NO_SPOT_CLASS = 'spot price for a type not sold as spot';

/** What the live prices and the embedded catalog together say, for one region. */
export interface LiveInputs {
  snapshot: AwsSnapshot;
  /** Instance type -> Spot Advisor band, from the embedded catalog's spot offerings of the region. */
  bands: ReadonlyMap<string, Interruption>;
  /** The embedded AWS serverless offerings (any region): their shape tables, and rates to fall back on. */
  embeddedServerless: readonly Offering[];
}

export interface LiveOfferings {
  offerings: Offering[];
  /** Reason -> instance types left out. */
  skipped: Record<string, string[]>;
}

/** Machine shapes of every described type, as the catalog builder would write them. */
export function liveShapes(types: ReadonlyMap<string, AwsTypeSpec>, skipped: SkipLog): Map<string, ShapeRow> {
  const whole = wholeGpuMemory(Object.fromEntries(types));
  const shapes = new Map<string, ShapeRow>();
  for (const [type, spec] of types) {
    const result = awsShape(type, spec, whole);
    if ('skip' in result) skipped.add(result.skip, type);
    else shapes.set(type, result.shape);
  }
  return shapes;
}

/**
 * Offerings from a live snapshot: on-demand per region (for types sold in
 * some zone of it), spot per zone, and Fargate at the live rates over the
 * embedded shape table. Pure.
 */
export function awsLiveOfferings(input: LiveInputs): LiveOfferings {
  const { snapshot } = input;
  const skipped = new SkipLog();
  const shapes = liveShapes(snapshot.types, skipped);
  const offerings: Offering[] = [];
  const base = (
    type: string,
    shape: ShapeRow,
  ): Omit<Offering, 'id' | 'capacityType' | 'pricePerHour' | 'source'> => {
    const o: Omit<Offering, 'id' | 'capacityType' | 'pricePerHour' | 'source'> = {
      cloud: 'aws',
      region: snapshot.region,
      instanceType: type,
      family: shape.family,
      cpu: shape.cpu,
      memoryMiB: shape.memoryMiB,
      arch: shape.arch,
      observedAt: snapshot.fetchedAt,
    };
    if (shape.gpu) o.gpu = shape.gpu;
    if (shape.maxPods !== undefined) o.maxPods = shape.maxPods;
    if (shape.burstable !== undefined) o.burstable = shape.burstable;
    return o;
  };

  for (const [type, price] of snapshot.onDemand) {
    const shape = shapes.get(type);
    if (!shape) {
      if (!snapshot.types.has(type)) skipped.add(SKIP_NO_TYPE, type);
      continue;
    }
    // No offerings list at all means EC2 said nothing, not that nothing is sold.
    if (snapshot.zones.size > 0 && !snapshot.zones.has(type)) {
      skipped.add(SKIP_NOT_OFFERED, type);
      continue;
    }
    offerings.push({
      ...base(type, shape),
      id: offeringId({
        cloud: 'aws',
        region: snapshot.region,
        instanceType: type,
        capacityType: 'on-demand',
      }),
      capacityType: 'on-demand',
      pricePerHour: price,
      source: ON_DEMAND_SOURCE,
    });
  }

  for (const [type, byZone] of snapshot.spot) {
    const shape = shapes.get(type);
    if (!shape) {
      if (!snapshot.types.has(type)) skipped.add(SKIP_NO_TYPE, type);
      continue;
    }
    const classes = snapshot.types.get(type)?.usageClasses;
    if (classes && !classes.includes('spot')) {
      skipped.add(SKIP_NO_SPOT_CLASS, type);
      continue;
    }
    const sold = snapshot.zones.get(type);
    const band = input.bands.get(type);
    for (const [zone, { price }] of [...byZone].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (snapshot.zones.size > 0 && !sold?.includes(zone)) {
        skipped.add(SKIP_ZONE_NOT_OFFERED, `${type} ${zone}`);
        continue;
      }
      const offering: Offering = {
        ...base(type, shape),
        id: offeringId({
          cloud: 'aws',
          region: snapshot.region,
          zone,
          instanceType: type,
          capacityType: 'spot',
        }),
        zone,
        capacityType: 'spot',
        pricePerHour: price,
        source: SPOT_SOURCE,
      };
      if (band) offering.interruption = band;
      offerings.push(offering);
    }
  }

  offerings.push(...fargateOfferings(snapshot, input.embeddedServerless));
  return { offerings, skipped: skipped.toRecord() };
}

/**
 * Fargate for the region: the live rates on the embedded shape table (the
 * table is the same in every region), else the embedded offering of the
 * region itself, else nothing.
 */
export function fargateOfferings(snapshot: AwsSnapshot, embedded: readonly Offering[]): Offering[] {
  const out: Offering[] = [];
  const templates = embedded.filter(
    (o) => o.cloud === 'aws' && o.capacityType === 'serverless' && o.serverless,
  );
  for (const arch of ['amd64', 'arm64'] as const) {
    const ofArch = templates.filter((o) => o.arch === arch);
    const local = ofArch.find((o) => o.region === snapshot.region);
    const template = local ?? ofArch[0];
    const rates = snapshot.fargate?.[arch];
    if (template?.serverless && rates) {
      const serverless = { ...template.serverless, ...rates };
      const largest = largestShape({ shapes: [...serverless.shapes], ...rates });
      out.push({
        ...template,
        id: offeringId({ ...template, region: snapshot.region }),
        region: snapshot.region,
        cpu: largest.cpu,
        memoryMiB: largest.memoryMiB,
        pricePerHour: largest.pricePerHour,
        serverless,
        source: ON_DEMAND_SOURCE,
        observedAt: snapshot.fetchedAt,
      });
    } else if (local) {
      out.push(local);
    }
  }
  return out;
}

/** Instance type -> interruption band, from the embedded spot offerings of one region. */
export function spotBands(embedded: readonly Offering[], region: string): Map<string, Interruption> {
  const bands = new Map<string, Interruption>();
  for (const o of embedded) {
    if (o.cloud === 'aws' && o.region === region && o.capacityType === 'spot' && o.interruption) {
      bands.set(o.instanceType, o.interruption);
    }
  }
  return bands;
}
