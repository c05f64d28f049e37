import { CATALOG_FORMAT, type CloudFile, type PriceTable, type ShapeRow } from '../schema.ts';
import { type AzurePrices, type AzureSizeSpec, type AzureVmSizes, sourceList } from '../sources.ts';
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

export const SKIP_NO_SPEC = 'no shape in the sources';
export const SKIP_NO_ARCH = 'architecture unknown in the sources';
export const SKIP_FPGA = 'accelerator berth does not model (FPGA)';
export const SKIP_GPU_UNKNOWN = 'GPU model or count unknown (partitioned GPU reported as 0)';

/**
 * The price table's key for a size. One key in the sources carries trailing
 * spaces (`"Standard_NM16ads_MA35D  "`); the size is the trimmed name.
 */
export function azureSizeKey(key: string): string {
  return key.trim();
}

/**
 * The family a policy names, from the size name: the series letters and
 * modifiers without the vCPU count, then any accelerator tag and the version
 * (`Standard_D2s_v5` -> `Dsv5`, `Standard_E8-4s_v5` -> `Esv5`,
 * `Standard_NC4as_T4_v3` -> `NCasT4v3`, `Standard_B2ms` -> `Bms`).
 */
export function azureFamily(size: string): string {
  const parts = size
    .replace(/^(Standard|Basic)_/, '')
    .split('_')
    .filter((p) => p !== '' && p !== 'Promo');
  const [head = size, ...rest] = parts;
  const m = /^([A-Z]+)\d+(?:-\d+)?([a-z]*)$/.exec(head);
  const base = m ? `${m[1]}${m[2]}` : head.replace(/[\d-]+/g, '');
  // Numeric parts (M-series `_2_v4` memory variants) are sizes, not families.
  return base + rest.filter((p) => !/^\d+$/.test(p)).join('');
}

/**
 * A VM size as a shape. Constrained-core sizes (`E8-4s_v5`) get the vCPUs
 * that are actually available. Partitioned GPUs count the share of a GPU the
 * size gets (`gpuFraction`); when the sources report 0 with no fraction, the
 * GPU can't be described and the size is left out rather than sold as a
 * plain VM.
 */
export function azureShape(size: string, spec: AzureSizeSpec, derived: boolean): ShapeResult {
  const arch = toKubeArch(spec.arch);
  if (!arch) return { skip: SKIP_NO_ARCH };
  if (!hasSize(spec)) return { skip: SKIP_ZERO_SIZE };
  const shape: ShapeRow = {
    family: azureFamily(size),
    cpu: Math.round((spec.vcpuAvailable ?? spec.vcpu) * 1000),
    memoryMiB: Math.round(spec.memoryMiB),
    arch,
  };
  if (spec.gpu) {
    if (spec.gpu.kind === 'fpga') return { skip: SKIP_FPGA };
    const count = spec.gpu.gpuFraction ?? spec.gpu.count;
    const model = spec.gpu.model ? normaliseGpuModel(spec.gpu.model) : undefined;
    if (!model || !(count > 0)) return { skip: SKIP_GPU_UNKNOWN };
    shape.gpu = { count, model, memoryMiB: spec.gpu.memoryMiB ?? 0 };
  }
  if (spec.burstable) shape.burstable = true;
  if (derived) shape.derivedShape = true;
  return { shape };
}

export interface AzureInputs {
  prices: AzurePrices;
  vmSizes: AzureVmSizes;
}

export function buildAzureCatalog(input: AzureInputs): CloudFile {
  const skipped = new SkipLog();
  const { shapes, shapeOf } = shapeCache((size) => {
    const spec = input.vmSizes.data[size];
    const derivedSpec = spec ? undefined : input.vmSizes.derivedData?.[size];
    if (spec) return azureShape(size, spec, false);
    return derivedSpec ? azureShape(size, derivedSpec, true) : { skip: SKIP_NO_SPEC };
  }, skipped);

  const priceSource = sourceList(input.prices.source)[0];
  if (!priceSource) throw new Error('azure/ondemand-prices.json has no source');
  const { observedAt, origin } = priceOrigin(priceSource, 'azure/ondemand-prices.json');

  const regions: CloudFile['regions'] = {};
  for (const region of Object.keys(input.prices.data).sort(naturalCompare)) {
    const rows = input.prices.data[region] ?? {};
    const table: PriceTable = { observedAt, origin, estimated: false, prices: {} };
    for (const key of Object.keys(rows)) {
      const size = azureSizeKey(key);
      const price = rows[key];
      if (price === undefined || !(price > 0)) {
        skipped.add(`${region}: no usable price`, size);
        continue;
      }
      if (!shapeOf(size)) continue;
      table.prices[size] = price;
    }
    table.prices = Object.fromEntries(Object.entries(table.prices).sort(([a], [b]) => naturalCompare(a, b)));
    regions[region] = { 'on-demand': table };
  }

  const sizeSource = sourceList(input.vmSizes.source).find((s) => s.repo === 'kubernetes/autoscaler');
  return {
    format: CATALOG_FORMAT,
    cloud: 'azure',
    sources: [
      toSourceRef(priceSource, 'azure/ondemand-prices.json', 'Linux pay-as-you-go prices per region'),
      ...(sizeSource ? [toSourceRef(sizeSource, 'azure/vm-sizes.json', 'VM size shapes')] : []),
    ],
    notes: [
      'On-demand only (Linux pay-as-you-go, USD) for every region in the sources: no Azure spot price exists in any snapshot.',
      'Price keys are trimmed (one key carries trailing spaces). When several meters share a size the generator kept one, so a non-primary meter price is possible.',
      'cpu is vcpuAvailable for constrained-core sizes (E8-4s_v5 -> 4 vCPU).',
      'Family is derived from the size name: series letters + modifiers + accelerator tag + version (Standard_D2s_v5 -> Dsv5).',
      'Partitioned GPUs count their share of a GPU (NV6ads_A10_v5: 0.1667); sizes reporting 0 GPUs with no known share, and FPGA sizes, are left out. GPU model and memory come from name rules in the sources.',
      'Sizes whose shape the sources copied from a sibling size (derivedData) are marked derivedShape and their offerings estimated.',
      'Offerings are regional (no zone).',
    ],
    skipped: skipped.toRecord(),
    shapes: usedShapes(shapes, regions),
    regions,
  };
}
