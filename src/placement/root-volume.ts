import { type Cloud, EPHEMERAL_STORAGE, GiB, type Policy, type Resources } from '../model/index.ts';
import { ROOT_VOLUME_EVICTION_PERCENT } from './node-reserved.ts';

/**
 * A machine's root disk is part of the decision: sized to what the pod (and
 * the DaemonSets beside it) ask of `ephemeral-storage`, plus room for the OS
 * and the container images, and paid for at the cloud's block-storage rate.
 */

/**
 * The OS, the kubelet's and runtime's state and the pod's images live on the
 * root volume next to the pod's scratch space but count for nothing in its
 * request: 10 GiB holds an EKS/GKE/AKS node image (about 2-4 GiB) and a few
 * GiB of container images, which is what a CI or batch image weighs.
 */
export const IMAGE_AND_SYSTEM_RESERVE_GIB = 10;

/**
 * The root volume, in whole GiB, for a node that must hold `need`: the
 * requested ephemeral storage plus the image and system reserve, grown so the
 * kubelet's nodefs eviction margin (10%) still leaves it all, within the
 * policy's bounds. Above the policy's maximum it is the maximum, and the
 * fit check then rules every machine out on `ephemeral-storage`.
 */
export function rootVolumeGiB(need: Resources, bounds: Policy['rootVolume']): number {
  const scratch = need[EPHEMERAL_STORAGE] ?? 0;
  const wanted = Math.ceil(
    ((scratch / GiB + IMAGE_AND_SYSTEM_RESERVE_GIB) * 100) / (100 - ROOT_VOLUME_EVICTION_PERCENT),
  );
  const min = Math.ceil(bounds.min / GiB);
  const max = Math.floor(bounds.max / GiB);
  return Math.min(Math.max(wanted, min), max);
}

/**
 * The list price of the block storage each cloud's nodes boot from, per GB
 * (GiB-sized, as volumes are provisioned) and month, in the cheapest region
 * the catalog prices. A month is 730 hours, as all three clouds bill it.
 */
export const BLOCK_STORAGE: Readonly<Record<Cloud, { volume: string; usdPerGbMonth: number }>> = {
  // aws.amazon.com/ebs/pricing: gp3, us-east-1 ($0.08 per GB-month; the included 3000 IOPS and
  // 125 MB/s are all a root volume needs).
  aws: { volume: 'gp3', usdPerGbMonth: 0.08 },
  // cloud.google.com/compute/disks-image-pricing: balanced persistent disk (pd-balanced), us-central1
  // ($0.10 per GB-month), the boot disk GKE gives nodes by default.
  gcp: { volume: 'pd-balanced', usdPerGbMonth: 0.1 },
  // azure.microsoft.com/pricing/details/managed-disks: Premium SSD, the OS disk AKS gives VMs that take
  // premium storage; billed by size tier, taken here at the P10 tier's rate (128 GiB for $19.71 a month,
  // eastus). Standard SSD (E10, $9.60) is half that; the higher figure never hides a cost.
  azure: { volume: 'Premium SSD', usdPerGbMonth: 19.71 / 128 },
};

export const HOURS_PER_MONTH = 730;

/** USD per hour for a root volume of `gib` on `cloud`. */
export function rootVolumePricePerHour(cloud: Cloud, gib: number): number {
  return (gib * BLOCK_STORAGE[cloud].usdPerGbMonth) / HOURS_PER_MONTH;
}
