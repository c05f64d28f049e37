import { CATALOG_FORMAT, type CloudFile, type PriceTable, type ShapeRow } from '../schema.ts';
import { type GcpMachineTypes, type GcpPrices, type GcpTypeSpec, sourceList } from '../sources.ts';
import {
  hasSize,
  SKIP_ZERO_SIZE,
  naturalCompare,
  SkipLog,
  toKubeArch,
  toSourceRef,
  usedShapes,
  priceOrigin,
  type ShapeResult,
  shapeCache,
} from './common.ts';
import { normaliseGpuModel } from './gpu.ts';

export const SKIP_TPU = 'TPU host (berth does not model TPUs)';
export const SKIP_NO_ARCH = 'architecture unknown in the sources';
export const SKIP_NO_SPEC = 'no shape in the sources';
export const SKIP_GPU_UNKNOWN = 'GPU model or count unknown';

/**
 * A GCE machine type as a shape. The family is the series (`n2`, `e2`,
 * `c3`). Shared-core types (e2-micro, f1-micro, ...) are marked burstable.
 * Fractional GPU counts (g4-standard-6: 0.125) are kept as the source gives them.
 */
export function gcpShape(spec: GcpTypeSpec): ShapeResult {
  if (spec.tpu) return { skip: SKIP_TPU };
  const arch = toKubeArch(spec.arch);
  if (!arch) return { skip: SKIP_NO_ARCH };
  if (!hasSize(spec)) return { skip: SKIP_ZERO_SIZE };
  const shape: ShapeRow = {
    family: spec.series,
    cpu: Math.round(spec.vcpu * 1000),
    memoryMiB: Math.round(spec.memoryMiB),
    arch,
  };
  if (spec.gpu) {
    const model = spec.gpu.model ? normaliseGpuModel(spec.gpu.model) : undefined;
    if (!model || !(spec.gpu.count > 0)) return { skip: SKIP_GPU_UNKNOWN };
    // GB200/GB300 memory is not in the sources: 0 says "unknown" without inventing a number.
    shape.gpu = { count: spec.gpu.count, model, memoryMiB: spec.gpu.memoryMiB ?? 0 };
  }
  if (spec.sharedCpu) shape.burstable = true;
  return { shape };
}

export interface GcpInputs {
  prices: GcpPrices;
  machineTypes: GcpMachineTypes;
}

export function buildGcpCatalog(input: GcpInputs): CloudFile {
  const skipped = new SkipLog();
  const { shapes, shapeOf } = shapeCache((type) => {
    const spec = input.machineTypes.data[type];
    return spec ? gcpShape(spec) : { skip: SKIP_NO_SPEC };
  }, skipped);

  const priceSource = sourceList(input.prices.source)[0];
  if (!priceSource) throw new Error('gcp/prices.json has no source');
  const { observedAt, origin } = priceOrigin(priceSource, 'gcp/prices.json');

  const regions: CloudFile['regions'] = {};
  for (const region of Object.keys(input.prices.data).sort(naturalCompare)) {
    const rows = input.prices.data[region] ?? {};
    const onDemand: PriceTable = { observedAt, origin, estimated: false, prices: {} };
    // GCP publishes real spot prices (they change at most monthly), so these are not estimates.
    const spot: PriceTable = { observedAt, origin, estimated: false, prices: {} };
    for (const type of Object.keys(rows).sort(naturalCompare)) {
      const row = rows[type];
      if (!row || !shapeOf(type)) continue;
      if (row.onDemand != null && row.onDemand > 0) onDemand.prices[type] = row.onDemand;
      else skipped.add(`${region}: no on-demand price`, type);
      // spot 0 means "listed without a spot price", null "not listed": neither is sellable as spot.
      if (row.spot != null && row.spot > 0) spot.prices[type] = row.spot;
    }
    regions[region] = { 'on-demand': onDemand, spot };
  }

  return {
    format: CATALOG_FORMAT,
    cloud: 'gcp',
    sources: [
      toSourceRef(priceSource, 'gcp/prices.json', 'on-demand and spot prices per region'),
      ...sourceList(input.machineTypes.source).map((s) => toSourceRef(s, 'gcp/machine-types.json')),
    ],
    notes: [
      'Whole-VM list prices (Linux), every region in the sources, no sustained-use or committed-use discounts, no custom machine types, no N1-attachable GPUs.',
      "Spot prices are GCP's published spot prices (not estimated).",
      'Interruption: GCP publishes no interruption band, so GCP spot offerings carry no `interruption`; the ranking decides how to weigh an unknown risk.',
      'Family = the machine series (n2, e2, c3, ...). Shared-core types are marked burstable.',
      'Fractional GPU counts (g4-standard-6/12/24: 0.125/0.25/0.5) are kept as given; GPU memoryMiB is per whole GPU, 0 where the sources do not say (GB200, GB300).',
      'memoryMiB may be off by a few MiB (gcloud rounds memory to 2 decimals of a GiB).',
      'TPU hosts are left out. Offerings are regional (no zone).',
    ],
    skipped: skipped.toRecord(),
    shapes: usedShapes(shapes, regions),
    regions,
  };
}
