import type { ComputeManagementClient, ResourceSku } from '@azure/arm-compute';
import type { Arch } from '../../src/model/index.ts';
import { SkipLog } from '../catalog/convert/common.ts';

/** What ResourceSkus.list says of one VM size in one region, for this subscription. */
export interface AzureSize {
  name: string;
  /** vCPUs a workload can use (`vCPUsAvailable` for constrained-core sizes). */
  vcpus: number;
  memoryMiB: number;
  gpus: number;
  arch: Arch;
  /** Availability zones ("1", "2", "3") the size is offered in and not restricted; empty for a regional-only size. */
  zones: string[];
  /** Whether the size may be bought as spot (`LowPriorityCapable`). */
  spotCapable: boolean;
}

export const SKIP_RESTRICTED = 'restricted for this subscription in the region';
export const SKIP_ZONES_RESTRICTED = 'restricted in every zone it is offered in';
export const SKIP_NO_SHAPE = 'no vCPUs, memory or architecture in its capabilities';

function capability(sku: ResourceSku, name: string): string | undefined {
  return sku.capabilities?.find((c) => c.name === name)?.value;
}

function archOf(value: string | undefined): Arch | undefined {
  if (value === undefined || value.toLowerCase() === 'x64') return value === undefined ? undefined : 'amd64';
  return value.toLowerCase() === 'arm64' ? 'arm64' : undefined;
}

/**
 * The VM sizes of a region from the Resource SKUs answer. A size restricted
 * for the subscription in the region is left out (launching it would fail
 * later with SkuNotAvailable); zones restricted are removed from its zones.
 * Pure.
 */
export function sizesFromSkus(
  skus: readonly ResourceSku[],
  region: string,
): { sizes: Map<string, AzureSize>; skipped: Record<string, string[]> } {
  const skipped = new SkipLog();
  const sizes = new Map<string, AzureSize>();
  const here = region.toLowerCase();
  for (const sku of skus) {
    if (sku.resourceType !== 'virtualMachines' || !sku.name) continue;
    if (!(sku.locations ?? []).some((l) => l.toLowerCase() === here)) continue;
    const restrictions = sku.restrictions ?? [];
    const regionWide = restrictions.some(
      (r) =>
        r.type === 'Location' &&
        (r.restrictionInfo?.locations ?? r.values ?? []).some((l) => l.toLowerCase() === here),
    );
    if (regionWide) {
      skipped.add(SKIP_RESTRICTED, sku.name);
      continue;
    }
    const offered = (sku.locationInfo ?? [])
      .filter((i) => i.location?.toLowerCase() === here)
      .flatMap((i) => i.zones ?? []);
    const blocked = new Set(
      restrictions
        .filter((r) => r.type === 'Zone')
        .flatMap((r) => r.restrictionInfo?.zones ?? [])
        .map(String),
    );
    const zones = [...new Set(offered.map(String))].filter((z) => !blocked.has(z)).sort();
    if (offered.length > 0 && zones.length === 0) {
      skipped.add(SKIP_ZONES_RESTRICTED, sku.name);
      continue;
    }
    const vcpus = Number(capability(sku, 'vCPUsAvailable') ?? capability(sku, 'vCPUs'));
    const memoryGB = Number(capability(sku, 'MemoryGB'));
    const arch = archOf(capability(sku, 'CpuArchitectureType') ?? 'x64');
    if (!(vcpus > 0) || !(memoryGB > 0) || !arch) {
      skipped.add(SKIP_NO_SHAPE, sku.name);
      continue;
    }
    sizes.set(sku.name, {
      name: sku.name,
      vcpus,
      memoryMiB: Math.round(memoryGB * 1024),
      gpus: Number(capability(sku, 'GPUs') ?? 0) || 0,
      arch,
      zones,
      spotCapable: capability(sku, 'LowPriorityCapable')?.toLowerCase() === 'true',
    });
  }
  return { sizes, skipped: skipped.toRecord() };
}

/** Every Resource SKU of the region (the SDK follows nextLink). */
export async function listResourceSkus(
  compute: ComputeManagementClient,
  region: string,
  signal: AbortSignal,
): Promise<ResourceSku[]> {
  const out: ResourceSku[] = [];
  for await (const sku of compute.resourceSkus.list({
    filter: `location eq '${region}'`,
    abortSignal: signal,
  })) {
    out.push(sku);
  }
  return out;
}
