import type { V1PodSpec } from '@kubernetes/client-node';
import {
  GPU_RESOURCES,
  type Gpu,
  InputError,
  LABEL_ARCH,
  LABEL_CAPACITY_TYPE,
  LABEL_CLOUD,
  LABEL_GPU_MODEL,
  LABEL_INSTANCE_FAMILY,
  LABEL_INSTANCE_TYPE,
  LABEL_OS,
  LABEL_REGION,
  LABEL_ZONE,
  type NodeConstraint,
  type NodeRequirement,
  type Offering,
  type Policy,
  type Rejection,
  type Resources,
  zoneInRegion,
} from '../model/index.ts';
import { interruptionOf } from './rank.ts';

/**
 * The rules an offering must pass, one small pure predicate each: it returns
 * what ruled the offering out, or undefined when the offering passes.
 */

// ---- size -------------------------------------------------------------------

/** True for the extended-resource names that mean "a GPU". */
export function isGpuResource(name: string): boolean {
  return (GPU_RESOURCES as readonly string[]).includes(name);
}

/** GPUs a request asks for, whatever the vendor's resource name. */
export function gpuCountOf(request: Resources): number {
  let n = 0;
  for (const name of GPU_RESOURCES) n += request[name] ?? 0;
  return n;
}

/**
 * AMD's data-centre and cloud GPUs (Instinct MI*, Radeon Pro V520); every
 * other model in the catalogs is NVIDIA's. A pod asking for `nvidia.com/gpu`
 * can't use an AMD device, nor the other way round.
 */
const AMD_GPU = /^(mi\d+[a-z]*|v520|v620|radeon.*)$/;

/** The extended resource a machine's GPUs are exposed as by their vendor's device plugin. */
export function gpuResourceOf(model: string): string {
  return AMD_GPU.test(model) ? 'amd.com/gpu' : 'nvidia.com/gpu';
}

/**
 * Does `need` fit in `allocatable`? Every resource named in `need` must be
 * covered. GPUs are compared by count against the machine's GPUs (the device
 * plugin, not the kubelet's allocatable, exposes them), and only under the
 * resource name of their vendor.
 */
export function checkFit(
  need: Resources,
  allocatable: Resources,
  gpu: Gpu | undefined,
): Rejection | undefined {
  for (const name in need) {
    const wanted = need[name] ?? 0;
    if (wanted <= 0) continue;
    if (isGpuResource(name)) {
      const actual = gpu && gpuResourceOf(gpu.model) === name ? gpu.count : 0;
      if (wanted > actual) return { reason: 'too-small', rule: name, wanted, actual };
      continue;
    }
    const actual = allocatable[name] ?? 0;
    if (wanted > actual) return { reason: 'too-small', rule: name, wanted, actual };
  }
  return undefined;
}

// ---- machine ----------------------------------------------------------------

/**
 * A pod that asks for no GPU never gets a GPU machine (it would pay for a
 * device it can't use); a GPU machine must carry a model the policy allows.
 */
export function checkGpu(gpusNeeded: number, o: Offering, policy: Policy): Rejection | undefined {
  if (!o.gpu) return undefined;
  if (gpusNeeded === 0) return { reason: 'gpu', rule: 'unused-gpu', actual: o.gpu.model };
  if (policy.gpuModels && !policy.gpuModels.includes(o.gpu.model)) {
    return { reason: 'gpu', rule: 'gpuModels', wanted: policy.gpuModels.join(','), actual: o.gpu.model };
  }
  return undefined;
}

export function checkArch(o: Offering, policy: Policy): Rejection | undefined {
  if (policy.architectures.includes(o.arch)) return undefined;
  return { reason: 'arch', rule: 'architectures', wanted: policy.architectures.join(','), actual: o.arch };
}

// ---- policy -----------------------------------------------------------------

export function checkCloud(o: Offering, policy: Policy): Rejection | undefined {
  if (policy.clouds.includes(o.cloud)) return undefined;
  return { reason: 'policy', rule: 'clouds', wanted: policy.clouds.join(','), actual: o.cloud };
}

export function checkCapacityType(o: Offering, policy: Policy): Rejection | undefined {
  if (policy.capacityTypes.includes(o.capacityType)) return undefined;
  return {
    reason: 'policy',
    rule: 'capacityTypes',
    wanted: policy.capacityTypes.join(','),
    actual: o.capacityType,
  };
}

export function checkRegion(o: Offering, policy: Policy): Rejection | undefined {
  if (!policy.regions || policy.regions.includes(o.region)) return undefined;
  return { reason: 'policy', rule: 'regions', wanted: policy.regions.join(','), actual: o.region };
}

// Lives in model so the policy judge (policies/) applies the same rule.
export { zoneInRegion };

/**
 * A zonal offering must be in an allowed zone. A regional offering (no zone)
 * passes when at least one allowed zone is in its region: the machine is then
 * launched in one of those (see `pinnedZones`).
 */
export function checkZone(o: Offering, policy: Policy): Rejection | undefined {
  const zones = policy.zones;
  if (!zones) return undefined;
  const ok = o.zone === undefined ? zones.some((z) => zoneInRegion(z, o.region)) : zones.includes(o.zone);
  return ok
    ? undefined
    : { reason: 'policy', rule: 'zones', wanted: zones.join(','), actual: o.zone ?? o.region };
}

/** Families compare case-insensitively (`Dsv5` and `dsv5` are the same family); the policy's are lower case. */
export function checkFamily(o: Offering, policy: Policy): Rejection | undefined {
  const include = policy.includeFamilies;
  const exclude = policy.excludeFamilies;
  if (!include && exclude.length === 0) return undefined;
  const family = o.family.toLowerCase();
  if (include && !include.includes(family)) {
    return {
      reason: 'policy',
      rule: 'instanceFamilies.include',
      wanted: include.join(','),
      actual: o.family,
    };
  }
  if (exclude.includes(family)) {
    return { reason: 'policy', rule: 'instanceFamilies.exclude', wanted: `not ${family}`, actual: o.family };
  }
  return undefined;
}

/** The policy's pattern is anchored when the policy is resolved, so it matches the whole type. */
export function checkInstanceType(o: Offering, policy: Policy): Rejection | undefined {
  const pattern = policy.instanceTypePattern;
  if (!pattern || pattern.test(o.instanceType)) return undefined;
  return { reason: 'policy', rule: 'instanceTypePattern', wanted: pattern.source, actual: o.instanceType };
}

/** Spot only; an offering with no published band counts as the band `interruptionOf` assumes. */
export function checkSpotBand(o: Offering, policy: Policy): Rejection | undefined {
  if (o.capacityType !== 'spot') return undefined;
  const band = interruptionOf(o).band;
  if (band <= policy.maxInterruptionBand) return undefined;
  return {
    reason: 'policy',
    rule: 'spot.maxInterruptionBand',
    wanted: policy.maxInterruptionBand,
    actual: band,
  };
}

/** `price` is what the pod would pay (for serverless, its rounded shape), not the risk-weighted price. */
export function checkMaxPrice(price: number, policy: Policy): Rejection | undefined {
  const max = policy.maxPricePerHour;
  if (max === undefined || price <= max) return undefined;
  return { reason: 'over-max-price', rule: 'maxPricePerHour', wanted: max, actual: price };
}

export function checkAvailable(
  o: Offering,
  unavailable: ReadonlySet<string> | undefined,
): Rejection | undefined {
  if (!unavailable?.has(o.id)) return undefined;
  return { reason: 'unavailable', rule: 'capacity', actual: o.id };
}

// ---- the pod's nodeSelector and required node affinity ------------------------

/** The value a node launched from this offering will carry for a well-known label. */
export function offeringLabel(o: Offering, key: string): string | undefined {
  switch (key) {
    case LABEL_INSTANCE_TYPE:
      return o.instanceType;
    case LABEL_REGION:
      return o.region;
    case LABEL_ZONE:
      return o.zone;
    case LABEL_ARCH:
      return o.arch;
    case LABEL_OS:
      return 'linux';
    case LABEL_CAPACITY_TYPE:
      return o.capacityType;
    case LABEL_CLOUD:
      return o.cloud;
    case LABEL_GPU_MODEL:
      return o.gpu?.model;
    case LABEL_INSTANCE_FAMILY:
      return o.family;
    default:
      // Any other label (or field) is one a new berth node won't have.
      return undefined;
  }
}

/** The labels `offeringLabel` knows: a new berth node carries no other. */
const KNOWN_LABELS = new Set([
  LABEL_INSTANCE_TYPE,
  LABEL_REGION,
  LABEL_ZONE,
  LABEL_ARCH,
  LABEL_OS,
  LABEL_CAPACITY_TYPE,
  LABEL_CLOUD,
  LABEL_GPU_MODEL,
  LABEL_INSTANCE_FAMILY,
]);

/** A requirement only a label berth never sets could meet (e.g. a node pool's own label). */
function needsUnknownLabel(r: NodeRequirement): boolean {
  return !KNOWN_LABELS.has(r.key) && r.operator !== 'NotIn' && r.operator !== 'DoesNotExist';
}

const OPERATORS: readonly NodeRequirement['operator'][] = [
  'In',
  'NotIn',
  'Exists',
  'DoesNotExist',
  'Gt',
  'Lt',
];
const INTEGER = /^-?\d+$/;

/**
 * The pod spec is typed, but a manifest read from a file (or a client that
 * skipped validation) can hold anything: each level is checked before use, so
 * a wrong type is an InputError naming the field, never a TypeError.
 */
function mapAt(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new InputError('expected a map', { field });
  return value as Record<string, unknown>;
}

function listAt(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InputError('expected a list', { field });
  return value;
}

function stringAt(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new InputError('expected a string', { field });
  return value;
}

function compileRequirement(raw: unknown, field: string, keyPrefix: string): NodeRequirement {
  const r = mapAt(raw, field) ?? {};
  const key = stringAt(r.key, `${field}.key`);
  const values = listAt(r.values, `${field}.values`).map((v, i) => stringAt(v, `${field}.values[${i}]`));
  const operator = OPERATORS.find((op) => op === r.operator);
  if (!operator) {
    throw new InputError(`expected one of ${OPERATORS.join(', ')}, got "${r.operator}"`, {
      field: `${field}.operator`,
    });
  }
  const needsValues = operator === 'In' || operator === 'NotIn';
  const numeric = operator === 'Gt' || operator === 'Lt';
  if (needsValues && values.length === 0) {
    throw new InputError(`operator ${operator} needs at least one value`, { field: `${field}.values` });
  }
  if (!needsValues && !numeric && values.length > 0) {
    throw new InputError(`operator ${operator} takes no values`, { field: `${field}.values` });
  }
  if (numeric && (values.length !== 1 || !INTEGER.test(values[0] ?? ''))) {
    throw new InputError(`operator ${operator} needs exactly one integer value`, {
      field: `${field}.values`,
    });
  }
  return { key: `${keyPrefix}${key}`, operator, values };
}

/**
 * Folds the pod's nodeSelector into each term of its required node affinity.
 * A matchFields requirement is kept under a `field:` key no label has, so it
 * behaves as it would for a node that doesn't exist yet (In fails, NotIn
 * passes). An empty term matches nothing, as in Kubernetes. Returns undefined
 * when the pod constrains nothing.
 */
export function compileNodeConstraint(spec: V1PodSpec): NodeConstraint | undefined {
  const selector: NodeRequirement[] = Object.entries(mapAt(spec.nodeSelector, 'spec.nodeSelector') ?? {}).map(
    ([key, value]) => ({
      key,
      operator: 'In',
      values: [stringAt(value, `spec.nodeSelector.${key}`)],
    }),
  );
  const affinity = mapAt(spec.affinity, 'spec.affinity');
  const nodeAffinity = mapAt(affinity?.nodeAffinity, 'spec.affinity.nodeAffinity');
  const requiredField = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution';
  const required = mapAt(nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution, requiredField);
  let terms: NodeRequirement[][];
  if (!required) {
    if (selector.length === 0) return undefined;
    terms = [selector];
  } else {
    const base = `${requiredField}.nodeSelectorTerms`;
    terms = [];
    listAt(required.nodeSelectorTerms, base).forEach((raw, i) => {
      const term = mapAt(raw, `${base}[${i}]`) ?? {};
      const exprs = listAt(term.matchExpressions, `${base}[${i}].matchExpressions`).map((r, j) =>
        compileRequirement(r, `${base}[${i}].matchExpressions[${j}]`, ''),
      );
      const fields = listAt(term.matchFields, `${base}[${i}].matchFields`).map((r, j) =>
        compileRequirement(r, `${base}[${i}].matchFields[${j}]`, 'field:'),
      );
      if (exprs.length + fields.length > 0) terms.push([...selector, ...exprs, ...fields]);
    });
  }
  const shapeOnly = terms.every((t) => t.every((r) => r.key !== LABEL_REGION && r.key !== LABEL_ZONE));
  const unsatisfiable = terms.every((t) => t.some(needsUnknownLabel));
  return { terms, shapeOnly, unsatisfiable };
}

/**
 * A regional offering has no zone until it is launched, and it can be
 * launched in a zone of our choosing: `In` passes when a listed zone is in its
 * region (we pin the launch there), `NotIn` when none is (we could only avoid
 * them by knowing every zone of the region, which the catalog doesn't say),
 * `Exists` always (every node gets a zone), `DoesNotExist` and `Gt`/`Lt` never.
 */
function matchesRegionalZone(o: Offering, r: NodeRequirement): boolean {
  switch (r.operator) {
    case 'In':
      return r.values.some((z) => zoneInRegion(z, o.region));
    case 'NotIn':
      return !r.values.some((z) => zoneInRegion(z, o.region));
    case 'Exists':
      return true;
    default:
      return false;
  }
}

export function matchesRequirement(o: Offering, r: NodeRequirement): boolean {
  if (r.key === LABEL_ZONE && o.zone === undefined) return matchesRegionalZone(o, r);
  const value = offeringLabel(o, r.key);
  switch (r.operator) {
    case 'In':
      return value !== undefined && r.values.includes(value);
    case 'NotIn':
      return value === undefined || !r.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || !INTEGER.test(value)) return false;
      const diff = Number(value) - Number(r.values[0]);
      return r.operator === 'Gt' ? diff > 0 : diff < 0;
    }
  }
}

function matchesTerm(o: Offering, term: readonly NodeRequirement[]): boolean {
  for (const r of term) if (!matchesRequirement(o, r)) return false;
  return true;
}

/** Terms are ORed, requirements within a term ANDed. */
export function checkSelector(o: Offering, constraint: NodeConstraint | undefined): Rejection | undefined {
  if (!constraint) return undefined;
  for (const term of constraint.terms) if (matchesTerm(o, term)) return undefined;
  // Name the first requirement of the first term that failed, as the likeliest culprit.
  const failed = constraint.terms[0]?.find((r) => !matchesRequirement(o, r));
  return {
    reason: 'selector',
    rule: failed
      ? `${failed.key} ${failed.operator} ${failed.values.join(',')}`.trimEnd()
      : 'nodeSelectorTerms',
    actual: failed ? (offeringLabel(o, failed.key) ?? '(none)') : '(no terms)',
  };
}

/**
 * Could any offering in `region` meet this term? Only `In` on region or zone
 * narrows it: a zone value names the region when it is one of the zones seen
 * there or is spelled after it (see `zoneInRegion`). Lets the solver look up
 * only those regions instead of testing every offering.
 */
export function termAllowsRegion(
  term: readonly NodeRequirement[],
  region: string,
  zonesInRegion: ReadonlySet<string>,
): boolean {
  for (const r of term) {
    if (r.operator !== 'In') continue;
    if (r.key === LABEL_REGION && !r.values.includes(region)) return false;
    if (r.key === LABEL_ZONE && !r.values.some((z) => zonesInRegion.has(z) || zoneInRegion(z, region))) {
      return false;
    }
  }
  return true;
}

/** True when every term names the regions or zones it allows, so the solver can walk only those. */
export function narrowsRegions(constraint: NodeConstraint | undefined): boolean {
  return (
    constraint?.terms.every((t) =>
      t.some((r) => r.operator === 'In' && (r.key === LABEL_REGION || r.key === LABEL_ZONE)),
    ) ?? false
  );
}

/**
 * The zones a regional offering must be launched in to honour the policy's
 * zones and the pod's zone requirements; undefined when any zone will do
 * (or the offering is zonal already).
 */
export function pinnedZones(
  o: Offering,
  policy: Policy,
  constraint: NodeConstraint | undefined,
): string[] | undefined {
  if (o.zone !== undefined) return undefined;
  let allowed: Set<string> | undefined = policy.zones
    ? new Set(policy.zones.filter((z) => zoneInRegion(z, o.region)))
    : undefined;
  if (constraint) {
    // Union over the terms this offering matches; a term that names no zone allows any.
    let fromTerms: Set<string> | undefined = new Set();
    for (const term of constraint.terms) {
      if (!matchesTerm(o, term)) continue;
      const inZones = term.filter((r) => r.key === LABEL_ZONE && r.operator === 'In');
      if (inZones.length === 0) {
        fromTerms = undefined;
        break;
      }
      let termZones = inZones[0]?.values.filter((z) => zoneInRegion(z, o.region)) ?? [];
      for (const r of inZones.slice(1)) termZones = termZones.filter((z) => r.values.includes(z));
      for (const z of termZones) fromTerms.add(z);
    }
    if (fromTerms) allowed = allowed ? new Set([...allowed].filter((z) => fromTerms.has(z))) : fromTerms;
  }
  return allowed ? [...allowed].sort() : undefined;
}

// ---- rules grouped by where they can be judged --------------------------------

/**
 * The rules about the machine itself (size, GPU, arch, family, type, and the
 * pod's selector when it names no region or zone): the same for every
 * offering of a shape, so the solver judges them once per shape.
 */
export function shapeRejection(
  o: Offering,
  need: Resources,
  allocatable: Resources,
  gpusNeeded: number,
  policy: Policy,
  constraint: NodeConstraint | undefined,
): Rejection | undefined {
  return (
    checkFit(need, allocatable, o.gpu) ??
    checkGpu(gpusNeeded, o, policy) ??
    checkArch(o, policy) ??
    checkFamily(o, policy) ??
    checkInstanceType(o, policy) ??
    (constraint?.shapeOnly ? checkSelector(o, constraint) : undefined)
  );
}

/** The rules that differ between offerings of one shape: where it is, its price, its spot band. */
export function placeRejection(
  o: Offering,
  price: number,
  policy: Policy,
  constraint: NodeConstraint | undefined,
  unavailable: ReadonlySet<string> | undefined,
): Rejection | undefined {
  return (
    checkAvailable(o, unavailable) ??
    checkRegion(o, policy) ??
    checkZone(o, policy) ??
    checkSpotBand(o, policy) ??
    checkMaxPrice(price, policy) ??
    (constraint && !constraint.shapeOnly ? checkSelector(o, constraint) : undefined)
  );
}

/** Every machine-level rule (cloud and capacity type too) that fails, size aside: for the nearest misses. */
export function shapeRuleRejections(
  o: Offering,
  gpusNeeded: number,
  policy: Policy,
  constraint: NodeConstraint | undefined,
): Rejection[] {
  const all = [
    checkCloud(o, policy),
    checkCapacityType(o, policy),
    checkGpu(gpusNeeded, o, policy),
    checkArch(o, policy),
    checkFamily(o, policy),
    checkInstanceType(o, policy),
    constraint?.shapeOnly ? checkSelector(o, constraint) : undefined,
  ];
  return all.filter((r): r is Rejection => r !== undefined);
}

/** Every place-level rule that fails: for the nearest misses. */
export function placeRejections(
  o: Offering,
  price: number,
  policy: Policy,
  constraint: NodeConstraint | undefined,
  unavailable: ReadonlySet<string> | undefined,
): Rejection[] {
  const all = [
    checkAvailable(o, unavailable),
    checkRegion(o, policy),
    checkZone(o, policy),
    checkSpotBand(o, policy),
    checkMaxPrice(price, policy),
    constraint && !constraint.shapeOnly ? checkSelector(o, constraint) : undefined,
  ];
  return all.filter((r): r is Rejection => r !== undefined);
}
