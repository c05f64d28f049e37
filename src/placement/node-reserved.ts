import {
  CPU,
  type Cloud,
  EPHEMERAL_STORAGE,
  GiB,
  InputError,
  MEMORY,
  MiB,
  type NodeSettings,
  type Offering,
  PODS,
  type Resources,
} from '../model/index.ts';

/**
 * What a node keeps for itself (kubelet, container runtime, OS, eviction
 * margin), by each cloud's published default, so that "fits" means "fits in
 * allocatable", which is what the kubelet admits against.
 */

/** Kubernetes' default `--max-pods`, used when an offering names no limit. */
export const DEFAULT_MAX_PODS = 110;

/**
 * Root volume size a machine gets when nothing decided one (a claim without
 * node settings): 20 GiB is the smallest default among the clouds (EKS
 * managed node groups), so estimates never promise disk a node might not have.
 */
export const DEFAULT_ROOT_VOLUME_GIB = 20;
export const DEFAULT_ROOT_VOLUME_BYTES = DEFAULT_ROOT_VOLUME_GIB * GiB;

/** The kubelet's default hard eviction `nodefs.available<10%` keeps this share of the root volume back. */
export const ROOT_VOLUME_EVICTION_PERCENT = 10;

/**
 * Pods a dedicated node may take beyond its pod and the DaemonSets that follow
 * it: room for a DaemonSet created after the launch, so it isn't the one pod
 * the kubelet turns away.
 */
export const MAX_PODS_MARGIN = 4;

/**
 * The kubelet's maxPods on a dedicated node: the pods placement counted (the
 * pod and its DaemonSets) plus the margin, never more than the machine can
 * address (the ENI limit on AWS, Kubernetes' 110 elsewhere). The memory the
 * kubelet keeps back grows with maxPods on EKS and AKS, so a node sized for
 * what runs on it gives the pod more of the machine.
 */
export function dedicatedMaxPods(podsNeeded: number, offeringMaxPods: number | undefined): number {
  return Math.min(Math.max(1, Math.ceil(podsNeeded)) + MAX_PODS_MARGIN, offeringMaxPods ?? DEFAULT_MAX_PODS);
}

/** Every cloud below keeps the kubelet default `memory.available<100Mi` eviction threshold. */
const EVICTION_MEMORY_MIB = 100;

/** A marginal-rate tier: the next `size` units are charged `basisPoints` / 10 000 each. */
type Tier = readonly [size: number, basisPoints: number];

/**
 * Sum of a marginal-rate schedule, rounded up. Rates are integer basis points
 * so the arithmetic stays exact (0.06 × 1000 is not 60 in floating point).
 */
function tiered(amount: number, tiers: readonly Tier[]): number {
  let left = amount;
  let total = 0;
  for (const [size, bp] of tiers) {
    if (left <= 0) break;
    const used = Math.min(left, size);
    total += used * bp;
    left -= used;
  }
  return Math.ceil(total / 10_000);
}

/**
 * CPU (millicores) shared by the EKS AMI bootstrap and GKE: 6% of the first
 * core, 1% of the second, 0.5% of cores 3-4, 0.25% of every core above 4.
 */
const CPU_TIERS_EKS_GKE: readonly Tier[] = [
  [1000, 600],
  [1000, 100],
  [2000, 50],
  [Number.POSITIVE_INFINITY, 25],
];

/**
 * AKS publishes a table (1 core 60m, 2: 100m, 4: 140m, 8: 180m, 16: 260m,
 * 32: 420m, 64: 740m) rather than a formula; these tiers (6%, 4%, 2% for cores
 * 3-4, 1% above) reproduce every row exactly and interpolate between them.
 */
const CPU_TIERS_AKS: readonly Tier[] = [
  [1000, 600],
  [1000, 400],
  [2000, 200],
  [Number.POSITIVE_INFINITY, 100],
];

/** GKE memory (MiB): 25% of the first 4 GiB, 20% of the next 4, 10% of the next 8, 6% up to 128 GiB, 2% above. */
const MEMORY_TIERS_GKE: readonly Tier[] = [
  [4 * 1024, 2500],
  [4 * 1024, 2000],
  [8 * 1024, 1000],
  [112 * 1024, 600],
  [Number.POSITIVE_INFINITY, 200],
];

/** kube-reserved + system-reserved memory in MiB (eviction not included). */
function reservedMemoryMiB(cloud: Cloud, memoryMiB: number, maxPods: number): number {
  switch (cloud) {
    // EKS AMI bootstrap: 11 MiB per pod the node may run, plus 255 MiB.
    case 'aws':
      return 11 * maxPods + 255;
    // GKE: tiny machines get a flat 255 MiB, the rest the tiered schedule.
    case 'gcp':
      return memoryMiB < 1024 ? 255 : tiered(memoryMiB, MEMORY_TIERS_GKE);
    // AKS 1.29 and later (learn.microsoft.com/azure/aks/node-resource-reservations):
    // the smaller of 20 MiB per pod + 50 MiB and 25% of the machine's memory.
    case 'azure':
      return Math.min(20 * maxPods + 50, Math.ceil(memoryMiB / 4));
  }
}

function reservedCpu(cloud: Cloud, cpu: number): number {
  return tiered(cpu, cloud === 'azure' ? CPU_TIERS_AKS : CPU_TIERS_EKS_GKE);
}

/**
 * What the node reserves for a machine shape: cpu in millicores, memory in
 * bytes (kube-reserved + system-reserved + the eviction threshold).
 * `shape.cpu` is in millicores, as everywhere in the model.
 */
export function nodeReserved(
  cloud: Cloud,
  shape: { cpu: number; memoryMiB: number; maxPods?: number },
): Resources {
  const maxPods = shape.maxPods ?? DEFAULT_MAX_PODS;
  return {
    [CPU]: reservedCpu(cloud, shape.cpu),
    [MEMORY]: (reservedMemoryMiB(cloud, shape.memoryMiB, maxPods) + EVICTION_MEMORY_MIB) * MiB,
  };
}

function checkAmount(offering: Offering, field: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new InputError(`expected a non-negative number, got ${value}`, { object: offering.id, field });
  }
}

/** The largest shape a serverless offering sells, falling back to the offering's own size. */
function largestServerlessShape(offering: Offering): { cpu: number; memoryMiB: number } {
  let cpu = offering.cpu;
  let memoryMiB = offering.memoryMiB;
  for (const range of offering.serverless?.shapes ?? []) {
    cpu = Math.max(cpu, range.cpu);
    memoryMiB = Math.max(memoryMiB, range.memoryMaxMiB);
  }
  return { cpu, memoryMiB };
}

/**
 * What a pod (plus the DaemonSets that follow it) can use on a node of this
 * offering launched with these settings (root volume, kubelet maxPods):
 * capacity minus the node's reserve, never below zero. Without settings, the
 * node a provider launches by default (20 GiB, the offering's maxPods). GPUs
 * are counted as `nvidia.com/gpu`. Serverless offerings reserve nothing here;
 * their platform overhead is added to the request when the shape is rounded.
 * Pure and cheap.
 */
export function nodeAllocatable(offering: Offering, node?: NodeSettings): Resources {
  checkAmount(offering, 'cpu', offering.cpu);
  checkAmount(offering, 'memoryMiB', offering.memoryMiB);
  const maxPods = node?.maxPods ?? offering.maxPods ?? DEFAULT_MAX_PODS;
  checkAmount(offering, 'maxPods', maxPods);
  const rootVolumeBytes = (node?.rootVolumeGiB ?? DEFAULT_ROOT_VOLUME_GIB) * GiB;

  const out: Record<string, number> = {};
  if (offering.capacityType === 'serverless') {
    const largest = largestServerlessShape(offering);
    out[CPU] = largest.cpu;
    out[MEMORY] = largest.memoryMiB * MiB;
    out[EPHEMERAL_STORAGE] = DEFAULT_ROOT_VOLUME_BYTES;
  } else {
    const reserved = nodeReserved(offering.cloud, {
      cpu: offering.cpu,
      memoryMiB: offering.memoryMiB,
      maxPods,
    });
    out[CPU] = Math.max(0, offering.cpu - (reserved[CPU] ?? 0));
    out[MEMORY] = Math.max(0, offering.memoryMiB * MiB - (reserved[MEMORY] ?? 0));
    out[EPHEMERAL_STORAGE] = Math.floor((rootVolumeBytes * (100 - ROOT_VOLUME_EVICTION_PERCENT)) / 100);
  }
  out[PODS] = maxPods;
  if (offering.gpu && offering.gpu.count > 0) out['nvidia.com/gpu'] = offering.gpu.count;
  return out;
}
