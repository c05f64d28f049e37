export type Cloud = 'aws' | 'gcp' | 'azure';
export const CLOUDS: readonly Cloud[] = ['aws', 'gcp', 'azure'];

export type CapacityType = 'on-demand' | 'spot' | 'serverless';
export const CAPACITY_TYPES: readonly CapacityType[] = ['on-demand', 'spot', 'serverless'];

/** Kubernetes spelling (`kubernetes.io/arch`), not the clouds' (`x86_64`). */
export type Arch = 'amd64' | 'arm64';

export interface Gpu {
  count: number;
  /** Normalised model name, lower case, e.g. `a100`, `h100`, `t4`, `l4`. */
  model: string;
  memoryMiB: number;
}

/**
 * How likely a spot machine is to be taken back. `band` is an ordinal
 * (0 = least likely); `maxPct` is the upper bound of the band in percent of
 * interruptions per month, used to weight spot prices by risk.
 */
export interface Interruption {
  band: number;
  label: string;
  maxPct: number;
}

/** Where a price came from, so a decision can say so. */
export interface PriceSource {
  kind: 'embedded' | 'live';
  /** Human-readable origin, e.g. `aws price list api` or the catalog source repo. */
  origin: string;
  /** True when the price is derived (e.g. spot from Spot Advisor savings). */
  estimated: boolean;
}

/** The size of a machine, before the node reserves anything. */
export interface Shape {
  /** millicores */
  cpu: number;
  /** MiB */
  memoryMiB: number;
  arch: Arch;
  gpu?: Gpu;
}

/**
 * Serverless platforms sell a pod-sized slice priced per vCPU-hour and per
 * GiB-hour; the request (plus the platform's overhead) is rounded up to the
 * next allowed shape before it is priced.
 */
export interface ServerlessPricing {
  perVcpuHour: number;
  perGiBHour: number;
  /** Added to the pod's request before rounding (e.g. 256 MiB on EKS Fargate). */
  overhead: { cpu: number; memoryMiB: number };
  /** Allowed combinations: for each cpu (millicores), memory from min to max in steps. */
  shapes: readonly ServerlessShapeRange[];
}

export interface ServerlessShapeRange {
  cpu: number;
  memoryMinMiB: number;
  memoryMaxMiB: number;
  memoryStepMiB: number;
}

/** One thing a cloud will sell. */
export interface Offering extends Shape {
  /** Stable key: cloud/region/zone (or "*")/instanceType/capacityType. */
  id: string;
  cloud: Cloud;
  region: string;
  zone?: string;
  instanceType: string;
  /** Family used by policy include/exclude, e.g. `m5`, `n2`, `Dsv5`. */
  family: string;
  capacityType: CapacityType;
  /** USD per hour for the whole machine; for serverless, the price of its largest shape. */
  pricePerHour: number;
  interruption?: Interruption;
  serverless?: ServerlessPricing;
  /** Pods a node of this shape may run (AWS ENI limit etc.); absent means 110. */
  maxPods?: number;
  burstable?: boolean;
  source: PriceSource;
  /** ISO-8601 time the price was observed or the source was generated. */
  observedAt: string;
}

export function offeringId(
  o: Pick<Offering, 'cloud' | 'region' | 'zone' | 'instanceType' | 'capacityType'>,
): string {
  return `${o.cloud}/${o.region}/${o.zone ?? '*'}/${o.instanceType}/${o.capacityType}`;
}
