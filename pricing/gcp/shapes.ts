import type { Arch } from '../../src/model/index.ts';

/** The fields of a Compute Engine `MachineType` that berth reads (REST shape). */
export interface GceMachineType {
  name?: string | null;
  guestCpus?: number | null;
  memoryMb?: number | null;
  isSharedCpu?: boolean | null;
  zone?: string | null;
  architecture?: string | null;
  accelerators?: { guestAcceleratorType?: string | null; guestAcceleratorCount?: number | null }[] | null;
  deprecated?: { state?: string | null } | null;
}

/** A machine type of one region, with the zones it is offered in. */
export interface GcpShape {
  name: string;
  family: string;
  vcpus: number;
  memoryMiB: number;
  arch: Arch;
  sharedCpu: boolean;
  /** `nvidia-tesla-a100` -> its rate key `a100`; absent without GPUs. */
  gpu?: { key: string; model: string; count: number };
  zones: string[];
}

/** `us-central1-a` -> `us-central1`. */
export const regionOfZone = (zone: string) => zone.replace(/-[a-z]$/, '');

/** The last path segment: the API names zones by URL in some answers. */
export const lastSegment = (s: string) => s.slice(s.lastIndexOf('/') + 1);

/** Families whose machines are Arm (the API's `architecture` says so too, when it is given). */
const ARM_FAMILIES = new Set(['t2a', 'c4a', 'n4a']);

/**
 * `nvidia-tesla-a100` -> `a100`, `nvidia-a100-80gb` -> `a100-80gb`,
 * `nvidia-h100-80gb` -> `h100-80gb`, `nvidia-l4` -> `l4`: the GPU SKUs' model
 * names (see skus.ts), so the two meet.
 */
export function acceleratorKey(type: string): string {
  return type
    .toLowerCase()
    .replace(/^nvidia-/, '')
    .replace(/^tesla-/, '')
    .replace(/-vws$/, '');
}

/** Machine types of one region, by name: every zone's answer folded into one shape. */
export function shapesOfRegion(types: Iterable<GceMachineType>, region: string): Map<string, GcpShape> {
  const out = new Map<string, GcpShape>();
  for (const t of types) {
    const zone = lastSegment(t.zone ?? '');
    if (!t.name || regionOfZone(zone) !== region) continue;
    if (t.deprecated?.state && t.deprecated.state !== 'ACTIVE') continue;
    const known = out.get(t.name);
    if (known) {
      if (!known.zones.includes(zone)) known.zones.push(zone);
      continue;
    }
    const family = t.name.split('-')[0] ?? t.name;
    const accel = (t.accelerators ?? []).find((a) => (a.guestAcceleratorCount ?? 0) > 0);
    const arch: Arch =
      t.architecture === 'ARM64' || (!t.architecture && ARM_FAMILIES.has(family)) ? 'arm64' : 'amd64';
    const gpuKey = accel?.guestAcceleratorType ? acceleratorKey(accel.guestAcceleratorType) : undefined;
    out.set(t.name, {
      name: t.name,
      family,
      vcpus: t.guestCpus ?? 0,
      memoryMiB: t.memoryMb ?? 0,
      arch,
      sharedCpu: t.isSharedCpu === true,
      ...(gpuKey && accel
        ? {
            gpu: {
              key: gpuKey,
              model: gpuKey.split('-')[0] ?? gpuKey,
              count: accel.guestAcceleratorCount ?? 0,
            },
          }
        : {}),
      zones: [zone],
    });
  }
  for (const s of out.values()) s.zones.sort();
  return out;
}
