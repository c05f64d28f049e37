import {
  CAPACITY_TYPES,
  CLOUDS,
  closest,
  type OfferedKind,
  type OnOffer,
  type PolicyFinding,
  zoneInRegion,
  zoneOnOffer,
} from '../src/model/index.ts';

/**
 * The rules about a policy that its schema can't say: fields that contradict
 * each other, and names that nothing the controller can buy carries. Pure,
 * so the controller (its Valid condition) and `berth policy validate` judge
 * alike. Each rule reads only fields of the right type, so a spec the schema
 * already rejects is judged on what is left of it, never thrown on.
 */

export function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The value at a path, or undefined when any step is missing or not a map. */
export function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const key of path) v = isMap(v) ? v[key] : undefined;
  return v;
}

interface Entry {
  value: string;
  field: string;
}

/** The string entries of a list field, each with its own field path (non-strings are the schema's to report). */
function entries(spec: unknown, path: readonly string[], fold = false): Entry[] | undefined {
  const list = at(spec, ...path);
  if (!Array.isArray(list)) return undefined;
  const out: Entry[] = [];
  list.forEach((v: unknown, i) => {
    if (typeof v === 'string')
      out.push({ value: fold ? v.toLowerCase() : v, field: `spec.${path.join('.')}[${i}]` });
  });
  return out;
}

const LISTS: readonly { path: readonly string[]; fold: boolean }[] = [
  { path: ['clouds'], fold: false },
  { path: ['regions'], fold: false },
  { path: ['zones'], fold: false },
  { path: ['capacityTypes'], fold: false },
  { path: ['architectures'], fold: false },
  // Families and GPU models compare case-insensitively, as placement compares them.
  { path: ['gpuModels'], fold: true },
  { path: ['instanceFamilies', 'include'], fold: true },
  { path: ['instanceFamilies', 'exclude'], fold: true },
];

function error(field: string, message: string): PolicyFinding {
  return { field, message, severity: 'error' };
}

function warning(field: string, message: string): PolicyFinding {
  return { field, message, severity: 'warning' };
}

/** A few of a set's members for a message: `aws, gcp` or `m5, m6i, c5, ... (165)`. */
function some(values: Iterable<string>, max = 8): string {
  const all = [...values].sort();
  if (all.length === 0) return 'none';
  return all.length <= max ? all.join(', ') : `${all.slice(0, max).join(', ')}, ... (${all.length})`;
}

/**
 * The near name a short word was probably meant to be. Short names (`f1`,
 * `m6`, `v100`) are all near each other and a different one is usually meant,
 * so only words of four or more letters get a suggestion.
 */
function nearName(word: string, candidates: Iterable<string>): string | undefined {
  return word.length >= 4 ? closest(word, candidates) : undefined;
}

function suggestion(word: string, candidates: Iterable<string>): string {
  const near = nearName(word, candidates);
  return near ? `; did you mean "${near}"?` : '';
}

/** Contradictions within the spec alone: true whatever the controller can buy. */
export function contradictions(spec: unknown): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  for (const { path, fold } of LISTS) {
    const first = new Map<string, string>();
    for (const e of entries(spec, path, fold) ?? []) {
      const earlier = first.get(e.value);
      if (earlier) findings.push(warning(e.field, `"${e.value}" is listed twice (also ${earlier})`));
      else first.set(e.value, e.field);
    }
  }

  const include = new Set((entries(spec, ['instanceFamilies', 'include'], true) ?? []).map((e) => e.value));
  for (const e of entries(spec, ['instanceFamilies', 'exclude'], true) ?? []) {
    if (include.has(e.value)) {
      findings.push(
        error(
          e.field,
          `"${e.value}" is also in instanceFamilies.include; a family can't be both allowed and excluded`,
        ),
      );
    }
  }

  const capacityTypes = entries(spec, ['capacityTypes']);
  const gpuModels = entries(spec, ['gpuModels']) ?? [];
  if (
    gpuModels.length > 0 &&
    capacityTypes &&
    capacityTypes.length > 0 &&
    capacityTypes.every((e) => e.value === 'serverless')
  ) {
    findings.push(
      error(
        'spec.gpuModels',
        'GPU models are listed but capacityTypes allows only serverless, which has no GPUs; allow on-demand or spot, or drop gpuModels',
      ),
    );
  }

  const spot = at(spec, 'spot');
  if (
    isMap(spot) &&
    Object.keys(spot).length > 0 &&
    capacityTypes &&
    !capacityTypes.some((e) => e.value === 'spot')
  ) {
    findings.push(warning('spec.spot', 'has no effect: capacityTypes does not allow spot'));
  }

  const regions = entries(spec, ['regions']) ?? [];
  if (regions.length > 0) {
    for (const z of entries(spec, ['zones']) ?? []) {
      if (!regions.some((r) => zoneInRegion(z.value, r.value))) {
        findings.push(
          error(
            z.field,
            `"${z.value}" is in none of the allowed regions (${[...new Set(regions.map((r) => r.value))].join(', ')})`,
          ),
        );
      }
    }
  }
  return findings;
}

/** Names a list field gives that nothing on offer carries. */
function notOffered(
  spec: unknown,
  path: readonly string[],
  offered: (value: string) => boolean,
  what: string,
  candidates: Iterable<string>,
  allMustBeOffered: boolean,
  suggest = true,
): PolicyFinding[] {
  const list = entries(spec, path, path[0] === 'instanceFamilies' || path[0] === 'gpuModels') ?? [];
  const missing = list.filter((e) => !offered(e.value));
  // A list of which some entries are on offer still works: the others are only noted.
  const severity = allMustBeOffered || missing.length === list.length ? 'error' : 'warning';
  const pool = [...candidates];
  return missing.map((e) => ({
    field: e.field,
    severity,
    message: `"${e.value}" is not on offer here (${what} on offer: ${some(pool)})${suggest ? suggestion(e.value, pool) : ''}`,
  }));
}

const ARCHES = ['amd64', 'arm64'] as const;

function known(names: readonly string[], value: string): boolean {
  return names.includes(value);
}

function compiles(pattern: unknown): RegExp | undefined {
  if (typeof pattern !== 'string') return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}

/** Whether a machine kind passes every rule of the spec that names a place or a machine. */
function allows(spec: unknown, k: OfferedKind): boolean {
  const list = (...path: string[]) => {
    const v = at(spec, ...path);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
  };
  const lower = (l: string[] | undefined) => l?.map((s) => s.toLowerCase());
  const clouds = list('clouds');
  const regions = list('regions');
  const zones = list('zones');
  const capacityTypes = list('capacityTypes');
  const architectures = list('architectures');
  const include = lower(list('instanceFamilies', 'include'));
  const exclude = lower(list('instanceFamilies', 'exclude')) ?? [];
  const pattern = compiles(at(spec, 'instanceTypePattern'));
  if (clouds && !clouds.includes(k.cloud)) return false;
  if (regions && !regions.includes(k.region)) return false;
  if (zones && !(k.zone ? zones.includes(k.zone) : zones.some((z) => zoneInRegion(z, k.region))))
    return false;
  if (capacityTypes && !capacityTypes.includes(k.capacityType)) return false;
  if (architectures && !architectures.includes(k.arch)) return false;
  if (include && !include.includes(k.family)) return false;
  if (exclude.includes(k.family)) return false;
  if (pattern && !pattern.test(k.instanceType)) return false;
  return true;
}

const MACHINE_RULES = [
  'clouds',
  'regions',
  'zones',
  'capacityTypes',
  'architectures',
  'instanceFamilies',
  'instanceTypePattern',
];

/**
 * The spec against what the controller can buy: every place it names must be
 * on offer, and the rules together must allow some machine (judged only when
 * `together` and nothing else is wrong, so one mistake is not reported twice).
 */
export function offerFindings(spec: unknown, onOffer: OnOffer, together = true): PolicyFinding[] {
  const capacityTypes = new Set<string>(onOffer.kinds.map((k) => k.capacityType));
  const architectures = new Set<string>(onOffer.kinds.map((k) => k.arch));
  const findings = [
    // A name the schema doesn't know is the schema's to report, not reported twice.
    ...notOffered(
      spec,
      ['clouds'],
      (c) => !known(CLOUDS, c) || onOffer.clouds.has(c),
      'clouds',
      onOffer.clouds,
      true,
    ),
    ...notOffered(spec, ['regions'], (r) => onOffer.regions.has(r), 'regions', onOffer.regions, true),
    ...notOffered(
      spec,
      ['zones'],
      (z) => zoneOnOffer(z, onOffer),
      'regions',
      onOffer.zones.size > 0 ? onOffer.zones : onOffer.regions,
      true,
    ),
    ...notOffered(
      spec,
      ['instanceFamilies', 'include'],
      (f) => onOffer.families.has(f),
      'families',
      onOffer.families,
      false,
    ),
    ...notOffered(
      spec,
      ['gpuModels'],
      (m) => onOffer.gpuFamilies.has(m),
      'GPU models',
      onOffer.gpuFamilies.keys(),
      false,
      // Real models are one letter apart (v100, a100, h100): a suggestion would mislead.
      false,
    ),
    // Valid names the schema knows, but maybe not sold here (a controller with no spot, no arm64).
    ...notOffered(
      spec,
      ['capacityTypes'],
      (c) => !known(CAPACITY_TYPES, c) || capacityTypes.has(c),
      'capacity types',
      capacityTypes,
      false,
    ),
    ...notOffered(
      spec,
      ['architectures'],
      (a) => !known(ARCHES, a) || architectures.has(a),
      'architectures',
      architectures,
      false,
    ),
  ];
  // An excluded family that isn't sold excludes nothing; say so only when it looks like a typo.
  for (const e of entries(spec, ['instanceFamilies', 'exclude'], true) ?? []) {
    if (onOffer.families.has(e.value)) continue;
    const near = nearName(e.value, onOffer.families);
    if (near)
      findings.push(
        warning(
          e.field,
          `"${e.value}" is not on offer here, so it excludes nothing; did you mean "${near}"?`,
        ),
      );
  }
  if (!together || findings.some((f) => f.severity === 'error')) return findings;

  const allowed = onOffer.kinds.filter((k) => allows(spec, k));
  const set = MACHINE_RULES.filter((r) => at(spec, r) !== undefined);
  if (allowed.length === 0 && onOffer.kinds.length > 0) {
    findings.push(
      error(
        'spec',
        `no machine on offer here passes all of ${set.map((r) => `spec.${r}`).join(', ')} together; loosen one of them`,
      ),
    );
    return findings;
  }
  const gpuModels = entries(spec, ['gpuModels'], true) ?? [];
  if (
    gpuModels.length > 0 &&
    !allowed.some((k) => k.gpuModel && gpuModels.some((m) => m.value === k.gpuModel))
  ) {
    const rules = set.length > 0 ? set.map((r) => `spec.${r}`).join(', ') : 'the other rules';
    findings.push(
      error(
        'spec.gpuModels',
        `GPU models are listed but ${rules} allow no machine here with one of them; allow a GPU family or drop gpuModels`,
      ),
    );
  }
  return findings;
}

/**
 * Everything the judge finds: contradictions always, what is on offer when it
 * is known. `clean` says whether the caller found no error of its own.
 */
export function judgeSpec(spec: unknown, onOffer?: OnOffer, clean = true): PolicyFinding[] {
  const own = contradictions(spec);
  const together = clean && !own.some((f) => f.severity === 'error');
  return [...own, ...(onOffer ? offerFindings(spec, onOffer, together) : [])];
}
