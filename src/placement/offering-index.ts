import {
  CPU,
  MEMORY,
  type NodeSettings,
  PODS,
  ROOT_VOLUME_LIMIT_GIB,
  type IndexedShape,
  type Offering,
  type OfferingGroup,
  type OfferingIndex,
  type Resources,
} from '../model/index.ts';
import { DEFAULT_MAX_PODS } from './node-reserved.ts';

/**
 * Indexes the catalog once so that a decision walks offerings cheapest first
 * and stops as soon as nothing further can beat what it already has, instead
 * of scanning every offering for every pod.
 */

function byPriceThenId(a: Offering, b: Offering): number {
  if (a.pricePerHour !== b.pricePerHour) return a.pricePerHour - b.pricePerHour;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Offerings of one instance type share the machine, but the allocatable is
 * computed per offering and is part of the key, so two offerings only share a
 * shape entry when every shape-level fact really is the same.
 */
function shapeKey(o: Offering, allocatable: Resources): string {
  const alloc = Object.keys(allocatable)
    .sort()
    .map((k) => `${k}=${allocatable[k]}`)
    .join(',');
  return `${o.instanceType}|${o.family}|${o.arch}|${o.gpu ? `${o.gpu.count}x${o.gpu.model}` : ''}|${alloc}`;
}

function buildShape(offerings: Offering[], allocatable: Resources): IndexedShape {
  offerings.sort(byPriceThenId);
  const byRegion = new Map<string, Offering[]>();
  for (const o of offerings) {
    const list = byRegion.get(o.region);
    if (list) list.push(o);
    else byRegion.set(o.region, [o]);
  }
  const sample = offerings[0]!; // a shape is only ever built from a non-empty list
  return {
    sample,
    allocatable,
    gpuCount: sample.gpu?.count ?? 0,
    minPrice: sample.pricePerHour,
    offerings,
    byRegion,
  };
}

function buildGroup(members: { o: Offering; allocatable: Resources }[]): OfferingGroup {
  const first = members[0]!.o; // groups are only made for offerings that exist
  const byShape = new Map<string, { offerings: Offering[]; allocatable: Resources }>();
  for (const { o, allocatable } of members) {
    const key = shapeKey(o, allocatable);
    const entry = byShape.get(key);
    if (entry) entry.offerings.push(o);
    else byShape.set(key, { offerings: [o], allocatable });
  }
  const shapes = [...byShape.values()].map((s) => buildShape(s.offerings, s.allocatable));
  shapes.sort((a, b) => a.minPrice - b.minPrice || byPriceThenId(a.sample, b.sample));
  const maxAllocatable: Record<string, number> = {};
  for (const s of shapes) {
    for (const [k, v] of Object.entries(s.allocatable))
      maxAllocatable[k] = Math.max(maxAllocatable[k] ?? 0, v);
  }
  const desc = (r: string) => [...shapes].sort((a, b) => (b.allocatable[r] ?? 0) - (a.allocatable[r] ?? 0));
  return {
    cloud: first.cloud,
    capacityType: first.capacityType,
    hasGpu: first.gpu !== undefined,
    shapes,
    byCpuDesc: desc(CPU),
    byMemoryDesc: desc(MEMORY),
    maxAllocatable,
    maxGpuCount: Math.max(...shapes.map((s) => s.gpuCount)),
    count: members.length,
  };
}

/**
 * The loosest node a decision could launch: one pod (the kubelet's reserve
 * grows with maxPods on EKS and AKS, never shrinks) and the largest root
 * volume. With the machine's own pod limit, an upper bound on every resource.
 */
const LOOSEST: NodeSettings = { maxPods: 1, rootVolumeGiB: ROOT_VOLUME_LIMIT_GIB };

function loosestAllocatable(o: Offering, allocatableOf: OfferingIndex['allocatableOf']): Resources {
  return { ...allocatableOf(o, LOOSEST), [PODS]: o.maxPods ?? DEFAULT_MAX_PODS };
}

/**
 * Builds the index. `allocatableOf` says what a node of the offering leaves
 * for pods when launched with given settings (placement/node-reserved's
 * `nodeAllocatable` in production); here it gives each shape its upper bound,
 * and a decision calls it once per shape it examines.
 */
export function buildIndex(
  offerings: readonly Offering[],
  allocatableOf: OfferingIndex['allocatableOf'],
): OfferingIndex {
  const grouped = new Map<string, { o: Offering; allocatable: Resources }[]>();
  const serverless: Offering[] = [];
  const zonesByRegion = new Map<string, Set<string>>();
  for (const o of offerings) {
    const zones = zonesByRegion.get(o.region) ?? new Set<string>();
    zonesByRegion.set(o.region, zones);
    if (o.zone !== undefined) zones.add(o.zone);
    if (o.capacityType === 'serverless') {
      serverless.push(o);
      continue;
    }
    const key = `${o.cloud}|${o.capacityType}|${o.gpu ? 'gpu' : 'cpu'}`;
    const member = { o, allocatable: loosestAllocatable(o, allocatableOf) };
    const list = grouped.get(key);
    if (list) list.push(member);
    else grouped.set(key, [member]);
  }
  const groups = [...grouped.values()].map(buildGroup);
  // Cheapest groups first, so the price to beat drops early and later groups stop sooner.
  groups.sort((a, b) => (a.shapes[0]?.minPrice ?? 0) - (b.shapes[0]?.minPrice ?? 0));
  serverless.sort(byPriceThenId);
  return { groups, serverless, offerings, zonesByRegion, allocatableOf };
}

// The index's shape lives in the model with the other shared types; re-exported for callers of buildIndex.
export type { OfferingIndex } from '../model/index.ts';
