import type { NodeSettings } from './claim.ts';
import type { CapacityType, Cloud, Offering } from './offering.ts';
import type { Resources } from './resources.ts';

/**
 * The catalog indexed once for fast decisions (built by placement/offering-index):
 * offerings grouped by (cloud, capacity type, has GPU), and within a group by
 * machine shape, so a rule about the machine (size, arch, family, type) is
 * checked once per shape and a walk in price order can stop early.
 */
export interface OfferingIndex {
  /** Machines (on-demand and spot), one group per (cloud, capacity type, has GPU). */
  groups: readonly OfferingGroup[];
  /** Serverless offerings: priced per pod, so they can't be sorted ahead of time. */
  serverless: readonly Offering[];
  /** Every offering indexed, in catalog order. */
  offerings: readonly Offering[];
  /** Every region with machines, and the zones its zonal offerings name (empty when all are regional). */
  zonesByRegion: ReadonlyMap<string, ReadonlySet<string>>;
  /** What a node of the offering leaves for pods, launched with these settings (or the provider's defaults). */
  allocatableOf: (o: Offering, node?: NodeSettings) => Resources;
}

export interface OfferingGroup {
  cloud: Cloud;
  capacityType: CapacityType;
  hasGpu: boolean;
  /** Cheapest shape first (by its cheapest offering). */
  shapes: readonly IndexedShape[];
  /** The same shapes, largest first by CPU and by memory: for "how close did it come" on a no-fit. */
  byCpuDesc: readonly IndexedShape[];
  byMemoryDesc: readonly IndexedShape[];
  /** The largest allocatable of any shape, per resource: a pod above it fits nothing in the group. */
  maxAllocatable: Resources;
  maxGpuCount: number;
  /** Offerings in the group. */
  count: number;
}

/** One machine type of one cloud and capacity type, wherever it is sold. */
export interface IndexedShape {
  /** The cheapest offering: carries the shape-level facts (type, family, arch, GPU). */
  sample: Offering;
  /**
   * The most a dedicated node of this shape can leave for pods, however it is
   * launched (the smallest kubelet reserve, the largest root volume, the
   * machine's pod limit): a bound for pruning. A decision checks the fit
   * against the node it would actually launch.
   */
  allocatable: Resources;
  gpuCount: number;
  minPrice: number;
  /** Cheapest first, ties by id. */
  offerings: readonly Offering[];
  /** The same offerings per region, cheapest first, for policies that name regions. */
  byRegion: ReadonlyMap<string, readonly Offering[]>;
}

/** One `key operator values` requirement over a node's labels. */
export interface NodeRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values: readonly string[];
}

/**
 * A pod's node constraints: its nodeSelector folded into every term of its
 * required node affinity. Terms are ORed, requirements within a term ANDed.
 */
export interface NodeConstraint {
  terms: readonly (readonly NodeRequirement[])[];
  /** True when no requirement names region or zone, so it can be judged once per shape. */
  shapeOnly: boolean;
  /** True when every term needs a label no berth node carries, so nothing can match. */
  unsatisfiable: boolean;
}
