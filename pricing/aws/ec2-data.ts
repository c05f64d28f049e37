import type { InstanceTypeInfo, InstanceTypeOffering, SpotPrice } from '@aws-sdk/client-ec2';
import type { AwsTypeSpec } from '../catalog/sources.ts';

/**
 * Pure readings of EC2's answers: DescribeSpotPriceHistory,
 * DescribeInstanceTypes and DescribeInstanceTypeOfferings.
 */

/** Spot is sold for Linux under two product names (EC2-Classic's and VPC's); both are the same machine. */
export const LINUX_SPOT_PRODUCTS = ['Linux/UNIX', 'Linux/UNIX (Amazon VPC)'] as const;

export interface ZonePrice {
  /** USD per hour. */
  price: number;
  /** When the price took effect (ISO-8601). */
  since: string;
}

/**
 * The price in force per instance type and zone: the newest entry of each
 * pair. The history lists every change in the window, oldest and newest
 * mixed, and the two Linux product names may both appear; entries without a
 * type, a zone, a positive price or a time are not prices.
 */
export function latestSpotPrices(entries: Iterable<SpotPrice>): Map<string, Map<string, ZonePrice>> {
  const out = new Map<string, Map<string, ZonePrice>>();
  for (const e of entries) {
    const type = e.InstanceType;
    const zone = e.AvailabilityZone;
    const price = Number(e.SpotPrice);
    const time = e.Timestamp instanceof Date ? e.Timestamp.getTime() : Number.NaN;
    if (!type || !zone || !(price > 0) || !Number.isFinite(time)) continue;
    if (e.ProductDescription && !(LINUX_SPOT_PRODUCTS as readonly string[]).includes(e.ProductDescription))
      continue;
    let zones = out.get(type);
    if (!zones) {
      zones = new Map();
      out.set(type, zones);
    }
    const known = zones.get(zone);
    const since = new Date(time).toISOString();
    // On a tie the dearer price wins: never understate what a machine costs.
    if (!known || since > known.since || (since === known.since && price > known.price)) {
      zones.set(zone, { price, since });
    }
  }
  return out;
}

/** Zones each instance type is sold in, from offerings by availability zone. */
export function zonesByType(offerings: Iterable<InstanceTypeOffering>): Map<string, string[]> {
  const out = new Map<string, Set<string>>();
  for (const o of offerings) {
    if (!o.InstanceType || !o.Location) continue;
    if (o.LocationType && o.LocationType !== 'availability-zone') continue;
    const zones = out.get(o.InstanceType) ?? new Set<string>();
    zones.add(o.Location);
    out.set(o.InstanceType, zones);
  }
  return new Map([...out].map(([type, zones]) => [type, [...zones].sort()]));
}

/**
 * One DescribeInstanceTypes entry in the form the catalog builder reads, so
 * the live path and the embedded catalog turn a type into the same shape
 * (architecture, GPU model names, accelerators, maxPods). Undefined when the
 * answer lacks the type's name, vCPUs or memory.
 */
export function typeSpecOf(info: InstanceTypeInfo): AwsTypeSpec | undefined {
  const vcpu = info.VCpuInfo?.DefaultVCpus;
  const memoryMiB = info.MemoryInfo?.SizeInMiB;
  if (!info.InstanceType || vcpu === undefined || memoryMiB === undefined) return undefined;
  const gpus = info.GpuInfo?.Gpus ?? [];
  const first = gpus[0];
  const spec: AwsTypeSpec = {
    vcpu,
    memoryMiB,
    arch: info.ProcessorInfo?.SupportedArchitectures ?? null,
    gpu: first
      ? {
          count: gpus.reduce((sum, g) => sum + (g.Count ?? 0), 0),
          model: first.Name ?? null,
          memoryMiB: first.MemoryInfo?.SizeInMiB ?? null,
        }
      : null,
    burstable: info.BurstablePerformanceSupported ?? null,
    maxNetworkInterfaces: info.NetworkInfo?.MaximumNetworkInterfaces ?? null,
    ipv4PerInterface: info.NetworkInfo?.Ipv4AddressesPerInterface ?? null,
  };
  // Absent usage classes say nothing; a spot price in the history says spot is sold.
  if (info.SupportedUsageClasses) spec.usageClasses = info.SupportedUsageClasses;
  if (info.NeuronInfo) spec.neuron = info.NeuronInfo;
  if (info.InferenceAcceleratorInfo) spec.inferenceAccelerator = info.InferenceAcceleratorInfo;
  if (info.FpgaInfo) spec.fpga = info.FpgaInfo;
  return spec;
}
