import type { V1PodSpec } from '@kubernetes/client-node';
import {
  CPU,
  type Candidate,
  type NodeSettings,
  PODS,
  type Decision,
  type IndexedShape,
  MEMORY,
  type Miss,
  type NodeConstraint,
  type Offering,
  type OfferingGroup,
  type OfferingIndex,
  type PodRef,
  type Policy,
  type RejectReason,
  type Rejection,
  type Resources,
  type Sizing,
} from '../model/index.ts';
import { describeRejection, explainDecision } from './explain.ts';
import {
  checkArch,
  checkFamily,
  checkFit,
  checkInstanceType,
  checkSelector,
  compileNodeConstraint,
  gpuCountOf,
  isGpuResource,
  narrowsRegions,
  pinnedZones,
  placeRejection,
  placeRejections,
  shapeRejection,
  shapeRuleRejections,
  termAllowsRegion,
} from './filters.ts';
import { compareCandidates, effectivePrice } from './rank.ts';
import { serverlessQuote, serverlessRejection } from './serverless.ts';
import { type PodFeatures, podFeatures } from './serverless-limits.ts';
import { burstCharge } from './burstable.ts';
import { dedicatedMaxPods } from './node-reserved.ts';
import { rootVolumeGiB, rootVolumePricePerHour } from './root-volume.ts';

/**
 * The decision: of the offerings that fit the pod and that its policy and
 * selector allow, the cheapest by effective price, with ranked fallbacks to
 * try on a capacity error. Pure: the same input always gives the same answer.
 */

export const DEFAULT_FALLBACKS = 5;
/** How many nearest misses a no-fit decision lists. */
export const MISS_LIMIT = 3;

interface Walk {
  policy: Policy;
  /** Regions to look in when the policy or the pod's selector names them; undefined for all. */
  regions: readonly string[] | undefined;
  /** What an offering outside `regions` counts as. */
  outside: RejectReason;
  /** What a machine's allocatable must hold: the sizing's need, or its minimum (see Sizing). */
  need: Resources;
  /** Millicores of the pod's CPU request shape fit may trim to reach a smaller machine (0: none). */
  cpuTrimBudget: number;
  gpus: number;
  constraint: NodeConstraint | undefined;
  unavailable: ReadonlySet<string> | undefined;
  /** What the pod uses that some serverless platforms don't allow (privileged, host network, ...); see `featuresOf`. */
  features?: PodFeatures;
  podSpec: V1PodSpec;
  daemonSets: Resources;
  allocatableOf: OfferingIndex['allocatableOf'];
  /** The root volume every machine would be launched with, sized to the pod's ephemeral storage. */
  rootVolumeGiB: number;
  /** Pods the node runs: the pod and the DaemonSets that follow it. */
  podsNeeded: number;
  keep: number;
  /** Best first, at most `keep`. */
  ranked: Candidate[];
  rejected: Partial<Record<RejectReason, number>>;
}

/** The pod's features, read from its spec only when a serverless offering is judged. */
function featuresOf(w: Walk): PodFeatures {
  w.features ??= podFeatures(w.podSpec, w.daemonSets);
  return w.features;
}

function reject(w: Walk, reason: RejectReason, n: number): void {
  if (n > 0) w.rejected[reason] = (w.rejected[reason] ?? 0) + n;
}

/**
 * The effective price an offering must not exceed to still make the list:
 * that of the last kept candidate once the list is full. Effective prices are
 * never below the price paid, so a walk in price order stops past it.
 */
function bar(w: Walk): number {
  return w.ranked.length < w.keep ? Number.POSITIVE_INFINITY : w.ranked[w.keep - 1]!.effectivePricePerHour;
}

function offer(w: Walk, c: Candidate): void {
  const r = w.ranked;
  if (r.length === w.keep && compareCandidates(c, r[r.length - 1]!) >= 0) return;
  let i = r.length;
  while (i > 0 && compareCandidates(c, r[i - 1]!) < 0) i--;
  r.splice(i, 0, c);
  if (r.length > w.keep) r.pop();
}

/** A pod bigger than every shape of a group on some resource fits nothing in it. */
function exceedsGroup(need: Resources, gpus: number, g: OfferingGroup): boolean {
  for (const name in need) {
    if (isGpuResource(name)) continue;
    if ((need[name] ?? 0) > (g.maxAllocatable[name] ?? 0)) return true;
  }
  return gpus > g.maxGpuCount;
}

/** How a shape's machine would be launched for this pod, and what that adds to its list price. */
interface Launch {
  node: NodeSettings;
  /** USD/h of the root volume. */
  rootVolume: number;
  /** USD/h of burstable CPU credits (0 for most machines). */
  cpuCredits: number;
  /** Millicores trimmed from the pod's request to fit this shape (0: none). */
  cpuTrim: number;
}

/** The node a machine of this shape is launched as: the decided root volume, maxPods for what runs there. */
export function nodeSettingsFor(o: Offering, rootVolume: number, podsNeeded: number): NodeSettings {
  return { rootVolumeGiB: rootVolume, maxPods: dedicatedMaxPods(podsNeeded, o.maxPods) };
}

/** What is paid for a machine: its list price, its root volume and its CPU credits, added in this order. */
export function machinePrice(listPrice: number, rootVolume: number, cpuCredits: number): number {
  return listPrice + rootVolume + cpuCredits;
}

/** Walks offerings cheapest first until none further can make the list. */
function walkOfferings(w: Walk, list: readonly Offering[], launch: Launch): void {
  const max = w.policy.maxPricePerHour;
  for (let i = 0; i < list.length; i++) {
    const o = list[i]!;
    // The extras are the same for every offering of a shape, so the list stays in price order.
    const price = machinePrice(o.pricePerHour, launch.rootVolume, launch.cpuCredits);
    if (price > bar(w)) return;
    if (max !== undefined && price > max) {
      reject(w, 'over-max-price', list.length - i); // the rest cost more still
      return;
    }
    const r = placeRejection(o, price, w.policy, w.constraint, w.unavailable);
    if (r) reject(w, r.reason, 1);
    else {
      offer(w, {
        offering: o,
        pricePerHour: price,
        effectivePricePerHour: effectivePrice(price, o, w.policy),
        node: launch.node,
        rootVolumePricePerHour: launch.rootVolume,
        ...(launch.cpuCredits > 0 ? { cpuCreditPricePerHour: launch.cpuCredits } : {}),
        ...(launch.cpuTrim > 0 ? { cpuTrim: launch.cpuTrim } : {}),
      });
    }
  }
}

function walkShape(w: Walk, s: IndexedShape, launch: Launch): void {
  const regions = w.regions;
  if (!regions) {
    walkOfferings(w, s.offerings, launch);
    return;
  }
  let inRegions = 0;
  for (const region of regions) {
    const list = s.byRegion.get(region);
    if (!list) continue;
    inRegions += list.length;
    walkOfferings(w, list, launch);
  }
  reject(w, w.outside, s.offerings.length - inRegions);
}

interface Launched {
  node: NodeSettings;
  allocatable: Resources;
}

/**
 * The last node computed for each shape. Pods of one cluster mostly need the
 * same node settings (same DaemonSets, no scratch space), so this saves
 * recomputing the reserve for every shape of every decision. A shape belongs
 * to one index, hence to one allocatableOf.
 */
const launchedCache = new WeakMap<IndexedShape, Launched>();

/** The shape's allocatable on the node this pod would get (exact, unlike the index's bound). */
function launchedAllocatable(w: Walk, s: IndexedShape): Launched {
  const node = nodeSettingsFor(s.sample, w.rootVolumeGiB, w.podsNeeded);
  const cached = launchedCache.get(s);
  if (cached?.node.maxPods === node.maxPods && cached.node.rootVolumeGiB === node.rootVolumeGiB)
    return cached;
  const launched = { node, allocatable: w.allocatableOf(s.sample, node) };
  launchedCache.set(s, launched);
  return launched;
}

/** The need with the whole trim budget taken off: what no smaller shape can be judged against. */
function trimmedNeed(w: Walk): Resources {
  return w.cpuTrimBudget > 0
    ? { ...w.need, [CPU]: Math.max(0, (w.need[CPU] ?? 0) - w.cpuTrimBudget) }
    : w.need;
}

/**
 * Millicores to trim so the pod fits `allocatable`: the CPU it falls short
 * by, when that is within the budget and nothing else falls short; 0 when no
 * trim makes it fit.
 */
function trimToFit(w: Walk, allocatable: Resources, gpu: Offering['gpu']): number {
  const short = (w.need[CPU] ?? 0) - (allocatable[CPU] ?? 0);
  if (short <= 0 || short > w.cpuTrimBudget) return 0;
  return checkFit({ ...w.need, [CPU]: allocatable[CPU] ?? 0 }, allocatable, gpu) ? 0 : short;
}

function walkGroup(w: Walk, g: OfferingGroup): void {
  const loosest = trimmedNeed(w);
  if (exceedsGroup(loosest, w.gpus, g)) {
    reject(w, 'too-small', g.count);
    return;
  }
  const max = w.policy.maxPricePerHour;
  const shapes = g.shapes;
  // Every machine of the group is one cloud's, so its root volume costs the same on each.
  const rootVolume = rootVolumePricePerHour(g.cloud, w.rootVolumeGiB);
  for (let i = 0; i < shapes.length; i++) {
    const s = shapes[i]!;
    const floor = machinePrice(s.minPrice, rootVolume, 0);
    if (floor > bar(w)) return;
    if (max !== undefined && floor > max) {
      let rest = 0;
      for (let j = i; j < shapes.length; j++) rest += shapes[j]!.offerings.length;
      reject(w, 'over-max-price', rest);
      return;
    }
    // Judged first against the loosest node (too small for it is too small for any), then the fit
    // on the node this pod would really get.
    const r = shapeRejection(s.sample, loosest, s.allocatable, w.gpus, w.policy, w.constraint);
    if (r) {
      reject(w, r.reason, s.offerings.length);
      continue;
    }
    const { node, allocatable } = launchedAllocatable(w, s);
    let cpuTrim = 0;
    if (checkFit(w.need, allocatable, s.sample.gpu)) {
      cpuTrim = trimToFit(w, allocatable, s.sample.gpu);
      if (cpuTrim === 0) {
        reject(w, 'too-small', s.offerings.length);
        continue;
      }
    }
    const credits = burstCharge(s.sample, (w.need[CPU] ?? 0) - cpuTrim, w.policy);
    if (typeof credits !== 'number') reject(w, credits.reason, s.offerings.length);
    else walkShape(w, s, { node, rootVolume, cpuCredits: credits, cpuTrim });
  }
}

/** Serverless is priced per pod, on the pod's own request: DaemonSets don't run there. */
function walkServerless(w: Walk, offerings: readonly Offering[], request: Resources): void {
  for (const o of offerings) {
    if (!w.policy.clouds.includes(o.cloud)) continue;
    const rule =
      checkArch(o, w.policy) ??
      checkFamily(o, w.policy) ??
      checkInstanceType(o, w.policy) ??
      (w.constraint?.shapeOnly ? checkSelector(o, w.constraint) : undefined) ??
      serverlessRejection(request, o, featuresOf(w));
    if (rule) {
      reject(w, rule.reason, 1);
      continue;
    }
    const quote = serverlessQuote(request, o);
    if (!quote) continue; // serverlessRejection said it would fit; never reached
    const r = placeRejection(o, quote.pricePerHour, w.policy, w.constraint, w.unavailable);
    if (r) reject(w, r.reason, 1);
    else offer(w, { offering: o, ...quote, effectivePricePerHour: quote.pricePerHour });
  }
}

// ---- when nothing fits ------------------------------------------------------

interface Near {
  offering: Offering;
  price: number;
  /** How far short it falls (size misses), 0 for rule misses. */
  shortfall: number;
  rejections: Rejection[];
}

/** The largest need/allocatable ratio: 2 means the pod is twice the machine on some resource. */
function shortfall(need: Resources, gpus: number, s: IndexedShape): number {
  let worst = gpus > 0 ? gpus / Math.max(s.gpuCount, Number.MIN_VALUE) : 0;
  for (const name in need) {
    if (isGpuResource(name)) continue;
    const wanted = need[name] ?? 0;
    if (wanted > 0) worst = Math.max(worst, wanted / Math.max(s.allocatable[name] ?? 0, Number.MIN_VALUE));
  }
  return worst;
}

function keepBest(list: Near[], n: Near, better: (a: Near, b: Near) => number): void {
  list.push(n);
  list.sort(better);
  if (list.length > MISS_LIMIT) list.pop();
}

const byPrice = (a: Near, b: Near) => a.price - b.price || (a.offering.id < b.offering.id ? -1 : 1);
const byShortfall = (a: Near, b: Near) => a.shortfall - b.shortfall || byPrice(a, b);

/** A GPU machine for a pod without GPUs is berth's own rule, not one a person would relax. */
function actionable(r: Rejection): boolean {
  return r.rule !== 'unused-gpu';
}

/** Offerings big enough that fail exactly one rule a person could change, cheapest first, one per shape. */
function ruleMisses(w: Walk, index: OfferingIndex, request: Resources): Near[] {
  const found: Near[] = [];
  const full = () => found.length === MISS_LIMIT;
  for (const g of index.groups) {
    if (exceedsGroup(w.need, w.gpus, g)) continue;
    for (const s of g.shapes) {
      if (full() && s.minPrice > found[MISS_LIMIT - 1]!.price) break;
      if (checkFit(w.need, s.allocatable, s.sample.gpu)) continue;
      if (checkFit(w.need, launchedAllocatable(w, s).allocatable, s.sample.gpu)) continue;
      const credits = burstCharge(s.sample, w.need[CPU] ?? 0, w.policy);
      const shapeFails = [
        ...shapeRuleRejections(s.sample, w.gpus, w.policy, w.constraint),
        ...(typeof credits === 'number' ? [] : [credits]),
      ];
      if (shapeFails.length > 1) continue;
      for (const o of s.offerings) {
        if (full() && o.pricePerHour > found[MISS_LIMIT - 1]!.price) break;
        const fails = [
          ...shapeFails,
          ...placeRejections(o, o.pricePerHour, w.policy, w.constraint, w.unavailable),
        ];
        if (fails.length === 1 && actionable(fails[0]!)) {
          keepBest(found, { offering: o, price: o.pricePerHour, shortfall: 0, rejections: fails }, byPrice);
          break;
        }
      }
    }
  }
  for (const o of index.serverless) {
    if (serverlessRejection(request, o, featuresOf(w))) continue; // no policy change would help
    const quote = serverlessQuote(request, o);
    if (!quote) continue;
    const fails = [
      ...shapeRuleRejections(o, w.gpus, w.policy, w.constraint),
      ...placeRejections(o, quote.pricePerHour, w.policy, w.constraint, w.unavailable),
    ];
    if (fails.length === 1) {
      keepBest(found, { offering: o, price: quote.pricePerHour, shortfall: 0, rejections: fails }, byPrice);
    }
  }
  return found;
}

/**
 * Offerings every rule allows that are too small, closest first. Shapes are
 * walked largest first on the resource the pod is shortest of, so the walk
 * stops once even that resource alone falls further short than the misses
 * already found.
 */
function sizeMisses(w: Walk, index: OfferingIndex): Near[] {
  const found: Near[] = [];
  for (const g of index.groups) {
    if (g.hasGpu !== w.gpus > 0) continue;
    if (!w.policy.clouds.includes(g.cloud) || !w.policy.capacityTypes.includes(g.capacityType)) continue;
    const cpuShort = (w.need[CPU] ?? 0) / Math.max(g.maxAllocatable[CPU] ?? 0, Number.MIN_VALUE);
    const memShort = (w.need[MEMORY] ?? 0) / Math.max(g.maxAllocatable[MEMORY] ?? 0, Number.MIN_VALUE);
    const [order, lead] = cpuShort >= memShort ? [g.byCpuDesc, CPU] : [g.byMemoryDesc, MEMORY];
    for (const s of order) {
      const bound = (w.need[lead] ?? 0) / Math.max(s.allocatable[lead] ?? 0, Number.MIN_VALUE);
      if (found.length === MISS_LIMIT && bound > found[MISS_LIMIT - 1]!.shortfall) break;
      const tooSmall = checkFit(w.need, launchedAllocatable(w, s).allocatable, s.sample.gpu);
      if (!tooSmall || shapeRuleRejections(s.sample, w.gpus, w.policy, w.constraint).length > 0) continue;
      if (typeof burstCharge(s.sample, w.need[CPU] ?? 0, w.policy) !== 'number') continue;
      const o = s.offerings.find(
        (x) => placeRejections(x, x.pricePerHour, w.policy, w.constraint, w.unavailable).length === 0,
      );
      if (!o) continue;
      const near = {
        offering: o,
        price: o.pricePerHour,
        shortfall: shortfall(w.need, w.gpus, s),
        rejections: [tooSmall],
      };
      keepBest(found, near, byShortfall);
    }
  }
  return found;
}

/** Misses a person can act on first (change one rule), then the machines that came closest in size. */
function nearestMisses(w: Walk, index: OfferingIndex, request: Resources): Miss[] {
  const byRule = ruleMisses(w, index, request);
  return [...byRule, ...(byRule.length < MISS_LIMIT ? sizeMisses(w, index) : [])]
    .slice(0, MISS_LIMIT)
    .map((n) => ({
      offering: n.offering,
      pricePerHour: n.price,
      reasons: n.rejections.map(describeRejection),
    }));
}

// ---- the decision -------------------------------------------------------------

const NO_ZONES: ReadonlySet<string> = new Set();

/**
 * The regions worth looking in: the policy's, narrowed to those the pod's
 * region or zone requirements allow. Undefined when neither names any.
 */
function regionsToWalk(
  policy: Policy,
  constraint: NodeConstraint | undefined,
  index: OfferingIndex,
): readonly string[] | undefined {
  const bySelector = narrowsRegions(constraint);
  if (!policy.regions && !bySelector) return undefined;
  const candidates = policy.regions ?? [...index.zonesByRegion.keys()];
  if (!bySelector || !constraint) return candidates;
  return candidates.filter((r) => {
    const zones = index.zonesByRegion.get(r) ?? NO_ZONES;
    return constraint.terms.some((t) => termAllowsRegion(t, r, zones));
  });
}

/** A selector only labels berth never sets could meet rules out everything examined, at once. */
function rejectAllBySelector(w: Walk, index: OfferingIndex): void {
  for (const g of index.groups) {
    if (g.hasGpu !== w.gpus > 0) continue;
    if (!w.policy.clouds.includes(g.cloud) || !w.policy.capacityTypes.includes(g.capacityType)) continue;
    reject(w, 'selector', g.count);
  }
  if (!w.policy.capacityTypes.includes('serverless')) return;
  reject(w, 'selector', index.serverless.filter((o) => w.policy.clouds.includes(o.cloud)).length);
}

export function decide(input: {
  pod: PodRef;
  sizing: Sizing;
  podSpec: V1PodSpec;
  policy: Policy;
  index: OfferingIndex;
  unavailable?: ReadonlySet<string>;
  fallbacks?: number;
  /** Millicores of the pod's CPU request that may be trimmed to fit a smaller machine (shape fit; default 0). */
  cpuTrimBudget?: number;
}): Decision {
  const { pod, sizing, policy, index } = input;
  // The next-size-up cliff: headroom and minimums choose a larger machine only when the policy says so.
  const upsize = policy.rightSizing.upsizeForHeadroom;
  const need = upsize ? sizing.need : sizing.minimum;
  // Serverless platforms size the pod from its own request, which headroom never changes.
  const request = upsize ? sizing.adjusted : sizing.admitted;
  const constraint = compileNodeConstraint(input.podSpec);
  const w: Walk = {
    policy,
    regions: regionsToWalk(policy, constraint, index),
    outside: policy.regions ? 'policy' : 'selector',
    need,
    cpuTrimBudget: Math.max(0, Math.floor(input.cpuTrimBudget ?? 0)),
    gpus: gpuCountOf(need),
    constraint,
    unavailable: input.unavailable,
    podSpec: input.podSpec,
    daemonSets: sizing.daemonSets,
    allocatableOf: index.allocatableOf,
    rootVolumeGiB: rootVolumeGiB(need, policy.rootVolume),
    podsNeeded: need[PODS] ?? 1,
    keep: 1 + Math.max(0, Math.floor(input.fallbacks ?? DEFAULT_FALLBACKS)),
    ranked: [],
    rejected: {},
  };

  if (constraint?.unsatisfiable) rejectAllBySelector(w, index);
  else {
    for (const g of index.groups) {
      // Groups the pod or policy rules out wholesale aren't examined at all.
      if (g.hasGpu !== w.gpus > 0) continue;
      if (!policy.clouds.includes(g.cloud) || !policy.capacityTypes.includes(g.capacityType)) continue;
      walkGroup(w, g);
    }
    if (policy.capacityTypes.includes('serverless')) walkServerless(w, index.serverless, request);
  }

  for (const c of w.ranked) {
    const zones = pinnedZones(c.offering, policy, w.constraint);
    if (zones) c.zones = zones;
  }
  const decided: Omit<Decision, 'explanation'> = {
    pod,
    sizing,
    policyName: policy.name,
    chosen: w.ranked[0],
    fallbacks: w.ranked.slice(1),
    rejected: w.rejected,
    nearestMisses: w.ranked.length === 0 ? nearestMisses(w, index, request) : [],
  };
  return { ...decided, explanation: explainDecision(decided) };
}
