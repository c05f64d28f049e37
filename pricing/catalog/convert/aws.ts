import type { Gpu } from '../../../src/model/index.ts';
import { CATALOG_FORMAT, type CloudFile, type PriceTable, type ShapeRow, type SourceRef } from '../schema.ts';
import {
  type AwsInstanceTypes,
  type AwsOfferings,
  type AwsOnDemand,
  type AwsSpotAdvisor,
  type AwsTypeSpec,
  sourceList,
} from '../sources.ts';
import {
  isoTime,
  naturalCompare,
  olderOf,
  roundPrice,
  SkipLog,
  shortCommit,
  toKubeArch,
  toSourceRef,
  usedShapes,
  hasSize,
  SKIP_ZERO_SIZE,
  type ShapeResult,
  shapeCache,
} from './common.ts';
import { normaliseGpuModel } from './gpu.ts';

/** `m5.large` -> `m5`, `p6-b200.48xlarge` -> `p6-b200`. */
export function awsFamily(instanceType: string): string {
  return instanceType.split('.')[0] ?? instanceType;
}

/** Pods an EKS node may run with the VPC CNI in ENI mode (the AWS formula); undefined when unknown. */
export function awsMaxPods(spec: {
  maxNetworkInterfaces?: number | null;
  ipv4PerInterface?: number | null;
}): number | undefined {
  const enis = spec.maxNetworkInterfaces;
  const ips = spec.ipv4PerInterface;
  if (!enis || !ips || enis < 1 || ips < 1) return undefined;
  return enis * (ips - 1) + 2;
}

/**
 * Spot without live price history: the Spot Advisor's regional average
 * saving applied to the on-demand price. Undefined for a saving that would
 * make the machine free or dearer than on-demand (a damaged row).
 */
export function estimateSpotPrice(onDemand: number, savingsPct: number): number | undefined {
  if (!(savingsPct >= 0 && savingsPct < 100) || !(onDemand > 0)) return undefined;
  // Rounding must not lift a 0% saving above the on-demand price it came from.
  return Math.min(onDemand, roundPrice(onDemand * (1 - savingsPct / 100)));
}

/** Memory of one whole GPU per normalised model, from the types that have at least one. */
export function wholeGpuMemory(types: Readonly<Record<string, AwsTypeSpec>>): Map<string, number> {
  const out = new Map<string, number>();
  for (const spec of Object.values(types)) {
    const gpu = spec.gpu;
    if (!gpu?.model || !gpu.memoryMiB || gpu.count < 1) continue;
    const model = normaliseGpuModel(gpu.model);
    if (model) out.set(model, Math.max(out.get(model) ?? 0, gpu.memoryMiB));
  }
  return out;
}

/**
 * The GPU of a type. Fractional types (g6f, gr6f) are reported with count 0
 * and the memory of their slice; their share of a GPU is that memory over a
 * whole GPU's, which keeps them comparable with GCP's fractional counts.
 */
export function awsGpu(
  gpu: NonNullable<AwsTypeSpec['gpu']>,
  whole: ReadonlyMap<string, number>,
): Gpu | undefined {
  const model = gpu.model ? normaliseGpuModel(gpu.model) : undefined;
  if (!model) return undefined;
  if (gpu.count >= 1) return { count: gpu.count, model, memoryMiB: gpu.memoryMiB ?? 0 };
  const full = whole.get(model);
  if (!full || !gpu.memoryMiB) return undefined;
  return { count: Number((gpu.memoryMiB / full).toFixed(4)), model, memoryMiB: full };
}

export const SKIP_NO_SPEC = 'no shape in the sources';
export const SKIP_NO_ARCH = 'architecture unknown in the sources';
export const SKIP_NON_KUBE_ARCH = 'no Kubernetes architecture (Mac or i386 only)';
export const SKIP_ACCELERATOR = 'accelerator berth does not model (Neuron, Inferentia, FPGA)';
export const SKIP_GPU_UNKNOWN = 'GPU model or count unknown';

export function awsShape(
  instanceType: string,
  spec: AwsTypeSpec,
  whole: ReadonlyMap<string, number>,
): ShapeResult {
  const arch = toKubeArch(spec.arch);
  if (!arch) return { skip: spec.arch == null || spec.arch.length === 0 ? SKIP_NO_ARCH : SKIP_NON_KUBE_ARCH };
  if (spec.neuron || spec.inferenceAccelerator || spec.fpga) return { skip: SKIP_ACCELERATOR };
  if (!hasSize(spec)) return { skip: SKIP_ZERO_SIZE };
  const shape: ShapeRow = {
    family: awsFamily(instanceType),
    cpu: Math.round(spec.vcpu * 1000),
    memoryMiB: Math.round(spec.memoryMiB),
    arch,
  };
  if (spec.gpu) {
    const gpu = awsGpu(spec.gpu, whole);
    if (!gpu) return { skip: SKIP_GPU_UNKNOWN };
    shape.gpu = gpu;
  }
  const maxPods = awsMaxPods(spec);
  if (maxPods !== undefined) shape.maxPods = maxPods;
  if (typeof spec.burstable === 'boolean') shape.burstable = spec.burstable;
  return { shape };
}

export interface AwsInputs {
  onDemand: AwsOnDemand;
  spotAdvisor: AwsSpotAdvisor;
  types: AwsInstanceTypes;
  offerings: AwsOfferings;
}

/** Where the estimated spot prices are made: the only region with both tables in the sources. */
const SPOT_REGIONS = new Set(['us-east-1']);

export function buildAwsCatalog(input: AwsInputs): CloudFile {
  const skipped = new SkipLog();
  const whole = wholeGpuMemory(input.types.data);
  const { shapes, shapeOf } = shapeCache((type) => {
    const spec = input.types.data[type];
    return spec ? awsShape(type, spec, whole) : { skip: SKIP_NO_SPEC };
  }, skipped);

  const odSources = sourceList(input.onDemand.source);
  const odSourceOf = (region: string) => odSources.find((s) => s.regions?.includes(region)) ?? odSources[0];
  const spotSource = sourceList(input.spotAdvisor.source)[0];
  if (!spotSource) throw new Error('aws/spot-advisor.json has no source');
  const spotDate = isoTime(
    spotSource.generatedAt ?? spotSource.fileLastCommit?.date ?? '',
    'aws/spot-advisor.json',
  );
  const spotOrigin = `${spotSource.repo}@${shortCommit(spotSource.commit)}`;
  const bands = input.spotAdvisor.bands.map((b) => ({ index: b.index, label: b.label, maxPct: b.maxPct }));

  for (const region of Object.keys(input.onDemand.dataNonUSD ?? {})) {
    skipped.add('regions priced in a currency other than USD', region);
  }
  for (const region of Object.keys(input.spotAdvisor.data)) {
    if (!SPOT_REGIONS.has(region))
      skipped.add('spot-advisor regions with no on-demand price to estimate from', region);
  }

  const regions: CloudFile['regions'] = {};
  for (const region of Object.keys(input.onDemand.data).sort(naturalCompare)) {
    const rows = input.onDemand.data[region] ?? {};
    const source = odSourceOf(region);
    if (!source) continue;
    const odDate = isoTime(
      source.generatedAt ?? source.fileLastCommit?.date ?? '',
      'aws/ondemand-prices.json',
    );
    const odOrigin = `${source.repo}@${shortCommit(source.commit)}`;
    // Types the region no longer sells (retired p3, g3, ...) are still priced; the offerings list says which are real.
    const offered = input.offerings.data[region];
    const prices: Record<string, number> = {};
    for (const type of Object.keys(rows).sort(naturalCompare)) {
      const price = rows[type];
      if (price === undefined || !(price > 0)) {
        skipped.add(`${region}: no usable price`, type);
        continue;
      }
      if (!shapeOf(type)) continue;
      if (offered && !offered[type]) {
        skipped.add(`${region}: priced but not offered in the region`, type);
        continue;
      }
      prices[type] = price;
    }
    const tables: CloudFile['regions'][string] = {
      'on-demand': { observedAt: odDate, origin: odOrigin, estimated: false, prices },
    };
    const advisor = input.spotAdvisor.data[region];
    if (advisor && SPOT_REGIONS.has(region)) {
      const spot: PriceTable = {
        observedAt: olderOf(odDate, spotDate),
        origin: `${spotOrigin} savings x ${odOrigin} on-demand`,
        estimated: true,
        prices: {},
        bands: {},
      };
      for (const type of Object.keys(advisor).sort(naturalCompare)) {
        const row = advisor[type];
        const od = prices[type];
        if (!row) continue;
        if (od === undefined) {
          skipped.add(`${region} spot: no on-demand price (or shape) for the type`, type);
          continue;
        }
        if (!(input.types.data[type]?.usageClasses ?? ['spot']).includes('spot')) {
          skipped.add(`${region} spot: the type is not sold as spot`, type);
          continue;
        }
        const band = bands.find((b) => b.label === row.interruptionBand);
        const price = estimateSpotPrice(od, row.savingsPct);
        if (!band || price === undefined) {
          skipped.add(`${region} spot: unknown interruption band or saving`, type);
          continue;
        }
        spot.prices[type] = price;
        if (spot.bands) spot.bands[type] = band.index;
      }
      tables.spot = spot;
    }
    regions[region] = tables;
  }

  const sources: SourceRef[] = [
    ...odSources.map((s) =>
      toSourceRef(
        s,
        'aws/ondemand-prices.json',
        s.currency && s.currency !== 'USD'
          ? `on-demand prices for ${s.regions?.join(', ')} in ${s.currency}: not used (berth prices in USD)`
          : `on-demand prices for ${s.regions?.join(', ')}`,
      ),
    ),
    toSourceRef(spotSource, 'aws/spot-advisor.json', 'Spot Instance Advisor savings and interruption bands'),
    ...sourceList(input.types.source)
      .filter((s) => s.fileLastCommit || s.generatedAt)
      .map((s) => toSourceRef(s, 'aws/instance-types.json')),
    ...sourceList(input.offerings.source).map((s) =>
      toSourceRef(s, 'aws/instance-type-offerings.json', 'which types each region sells'),
    ),
  ];

  return {
    format: CATALOG_FORMAT,
    cloud: 'aws',
    sources,
    notes: [
      'On-demand: Linux, shared tenancy, USD, only the regions the sources price (us-east-1, us-gov-east-1, us-gov-west-1); cn-north-1 is priced in CNY and left out.',
      'Spot (us-east-1 only): estimated as on-demand x (1 - savingsPct/100) from the Spot Advisor regional average saving, marked estimated; observedAt is the older of the two tables.',
      "Interruption: the Spot Advisor band; maxPct is AWS's own upper figure for the band (5, 11, 16, 22, 100), not the label's.",
      'maxPods = maxNetworkInterfaces x (ipv4PerInterface - 1) + 2 (VPC CNI in ENI mode), absent when the sources lack the ENI limits.',
      'GPU memoryMiB is per whole GPU; fractional GPU types (g6f, gr6f) carry count = their slice of memory / a whole GPU of the same model.',
      'us-east-1 keeps only the types DescribeInstanceTypeOfferings lists for the region; GovCloud has no offerings list, so every priced type is kept.',
      'Offerings are regional (no zone): the sources price per region, not per availability zone.',
    ],
    skipped: skipped.toRecord(),
    interruptionBands: bands,
    shapes: usedShapes(shapes, regions),
    regions,
  };
}
