import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import {
  ABSURD_AMOUNTS,
  closest,
  InputError,
  type OnOffer,
  type Policy,
  type PolicyFinding,
  type PolicySpec,
  PolicySpecSchema,
  ROOT_VOLUME_LIMIT_GIB,
} from '../src/model/index.ts';
import { listProblems, parseYamlDocuments } from '../src/model/yaml-documents.ts';
import { parseQuantity } from '../src/model/quantity.ts';
import { at, isMap, judgeSpec } from './judge.ts';

/**
 * PlacementPolicy documents to resolved policies. Every problem names where it
 * is (file and document, the object, the field) and what was expected, and all
 * problems of a file are reported together, so one run is enough to fix them.
 */

export const API_VERSION = 'berth.dev/v1alpha1';
export const KIND = 'PlacementPolicy';

/**
 * What a policy means when a field is left out, in one place (policies/README.md
 * documents the same): everything is allowed, spot is weighed by its risk at
 * face value, each pod gets its own node, and pods are sized by their requests.
 */
export const POLICY_DEFAULTS = {
  clouds: ['aws', 'gcp', 'azure'],
  capacityTypes: ['on-demand', 'spot', 'serverless'],
  architectures: ['amd64', 'arm64'],
  spotRiskWeight: 1,
  maxInterruptionBand: 4,
  isolation: 'dedicated',
  rightSizingMode: 'request',
  headroomPercent: 0,
  upsizeForHeadroom: false,
  maxCpuTrimPercent: 0,
  rootVolumeMin: '20Gi',
  rootVolumeMax: '1Ti',
  burstable: true,
} as const;

interface Problem {
  field: string;
  message: string;
}

// ---- schema errors in words ---------------------------------------------------

/** The schema node at a JSON pointer into the spec (object properties and array items only). */
function schemaAt(path: readonly string[]): TSchema | undefined {
  let node: TSchema | undefined = PolicySpecSchema;
  for (const segment of path) {
    if (!node) return undefined;
    if (node.type === 'array') node = node.items as TSchema | undefined;
    else node = (node.properties as Record<string, TSchema> | undefined)?.[segment];
  }
  return node;
}

function literalsOf(schema: TSchema): unknown[] | undefined {
  const options = schema.anyOf as TSchema[] | undefined;
  if (!options?.every((o) => 'const' in o)) return undefined;
  return options.map((o) => o.const);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a map';
  return JSON.stringify(value);
}

/**
 * `/spot/maxInterruptionBand` -> `spec.spot.maxInterruptionBand`, `/clouds/1` -> `spec.clouds[1]`;
 * a key that is no plain name (empty, with a dot or a space) is quoted: `spec["a.b"]`.
 */
function fieldOf(segments: readonly string[]): string {
  return segments.reduce((f, s) => {
    if (/^\d+$/.test(s)) return `${f}[${s}]`;
    return /^[A-Za-z_][\w-]*$/.test(s) ? `${f}.${s}` : `${f}[${JSON.stringify(s)}]`;
  }, 'spec');
}

function schemaProblems(spec: unknown): Problem[] {
  const problems: Problem[] = [];
  for (const e of Value.Errors(PolicySpecSchema, spec)) {
    // A JSON pointer: `~1` is a `/` and `~0` a `~` inside a key.
    const segments = e.path
      .split('/')
      .slice(1)
      .map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const field = fieldOf(segments);
    if (e.message === 'Unexpected property') {
      const parent = schemaAt(segments.slice(0, -1));
      const known = Object.keys((parent?.properties as Record<string, unknown> | undefined) ?? {});
      problems.push({ field, message: unknownField(segments.at(-1) ?? '', known) });
      continue;
    }
    const literals = literalsOf(e.schema);
    if (literals) {
      problems.push({ field, message: `expected one of ${literals.join(', ')}, got ${show(e.value)}` });
      continue;
    }
    const expected = e.message.replace(/^Expected /, 'expected ').replace(/ to be /, ' ');
    problems.push({ field, message: `${expected}, got ${show(e.value)}` });
  }
  return problems;
}

/** `unknown field (expected one of: cpu, memory); did you mean "memory"?` */
function unknownField(name: string, known: readonly string[]): string {
  const near = closest(name, known);
  return `unknown field (expected one of: ${known.join(', ')})${near ? `; did you mean "${near}"?` : ''}`;
}

// ---- what the schema can't say -------------------------------------------------

/** The pattern must match the whole instance type, so it is anchored here once. */
function compilePattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

const BOUNDS = ['min', 'max'] as const;
const BOUNDED = ['cpu', 'memory'] as const;

function parseBound(value: string, resource: string): number {
  // An empty field keeps parseQuantity's message free of a location: ours names the field.
  return parseQuantity(value, resource, { field: '' });
}

/**
 * The rules the schema can't express. Each looks only at fields of the right
 * type, so it adds to the schema's findings instead of tripping over them.
 */
function semanticProblems(spec: unknown): Problem[] {
  const problems: Problem[] = [];
  const pattern = at(spec, 'instanceTypePattern');
  if (typeof pattern === 'string') {
    try {
      new RegExp(pattern);
      compilePattern(pattern);
    } catch (err) {
      const why =
        err instanceof Error ? err.message.replace(/^Invalid regular expression: /, '') : String(err);
      problems.push({ field: 'spec.instanceTypePattern', message: `expected a regular expression: ${why}` });
    }
  }
  const lists = [['clouds'], ['regions'], ['zones'], ['capacityTypes'], ['architectures'], ['gpuModels']];
  for (const path of [...lists, ['instanceFamilies', 'include']]) {
    const list = at(spec, ...path);
    if (Array.isArray(list) && list.length === 0) {
      problems.push({
        field: `spec.${path.join('.')}`,
        message: 'an empty list allows nothing; leave the field out to allow all',
      });
    }
  }
  if (at(spec, 'isolation') === 'shared-namespace') {
    problems.push({
      field: 'spec.isolation',
      message: 'shared-namespace is reserved and not supported yet; use dedicated (one node per pod)',
    });
  }
  const parsed: Record<string, number | undefined> = {};
  for (const bound of BOUNDS) {
    for (const resource of BOUNDED) {
      const value = at(spec, 'rightSizing', bound, resource);
      if (typeof value !== 'string') continue; // absent, or the schema already said it must be a string
      try {
        const amount = parseBound(value, resource);
        parsed[`${bound}.${resource}`] = amount;
        const absurd = ABSURD_AMOUNTS[resource];
        if (absurd !== undefined && amount > absurd) {
          problems.push({
            field: `spec.rightSizing.${bound}.${resource}`,
            message: `${value} is more than any machine of any cloud has; check the unit`,
          });
        }
      } catch (err) {
        problems.push({
          field: `spec.rightSizing.${bound}.${resource}`,
          message: err instanceof Error ? err.message : String(err),
        });
      }
    }
  }
  for (const resource of BOUNDED) {
    const min = parsed[`min.${resource}`];
    const max = parsed[`max.${resource}`];
    if (min !== undefined && max !== undefined && min > max) {
      problems.push({
        field: `spec.rightSizing.min.${resource}`,
        message: `expected at most rightSizing.max.${resource} (${String(at(spec, 'rightSizing', 'max', resource))}), got ${String(at(spec, 'rightSizing', 'min', resource))}`,
      });
    }
  }
  return problems;
}

/**
 * Everything wrong with a spec: the schema's findings first, then the rules
 * it can't express, then contradictions between fields and, when the
 * offerings are known, names nothing on offer carries (see judge.ts).
 */
export function judgePolicy(spec: unknown, onOffer?: OnOffer): PolicyFinding[] {
  const errors = [...schemaProblems(spec), ...semanticProblems(spec), ...rootVolumeProblems(spec)];
  return [
    ...errors.map((p) => ({ ...p, severity: 'error' as const })),
    ...judgeSpec(spec, onOffer, errors.length === 0),
  ];
}

/** What makes a spec unusable whatever is on offer. */
function specProblems(spec: unknown): Problem[] {
  return judgePolicy(spec).filter((f) => f.severity === 'error');
}

/** Root volume bounds must parse, keep min <= max, and stay within what a cloud disk can be. */
function rootVolumeProblems(spec: unknown): Problem[] {
  const problems: Problem[] = [];
  const parsed: Record<string, number> = {};
  for (const bound of BOUNDS) {
    const value = at(spec, 'rootVolume', bound);
    if (typeof value !== 'string') continue;
    const field = `spec.rootVolume.${bound}`;
    try {
      parsed[bound] = parseBound(value, 'ephemeral-storage');
    } catch (err) {
      problems.push({ field, message: err instanceof Error ? err.message : String(err) });
      continue;
    }
    if ((parsed[bound] ?? 0) > ROOT_VOLUME_LIMIT_GIB * 2 ** 30) {
      problems.push({ field, message: `expected at most ${ROOT_VOLUME_LIMIT_GIB / 1024}Ti, got ${value}` });
    }
  }
  const { min, max } = rootVolumeBounds(undefined);
  if ((parsed.min ?? min) > (parsed.max ?? max)) {
    problems.push({
      field: 'spec.rootVolume.min',
      message: `expected at most rootVolume.max (${String(at(spec, 'rootVolume', 'max') ?? POLICY_DEFAULTS.rootVolumeMax)}), got ${String(at(spec, 'rootVolume', 'min') ?? POLICY_DEFAULTS.rootVolumeMin)}`,
    });
  }
  return problems;
}

function rootVolumeBounds(b: { min?: string; max?: string } | undefined): { min: number; max: number } {
  const d = POLICY_DEFAULTS;
  return {
    min: parseBound(b?.min ?? d.rootVolumeMin, 'ephemeral-storage'),
    max: parseBound(b?.max ?? d.rootVolumeMax, 'ephemeral-storage'),
  };
}

// ---- resolving ------------------------------------------------------------------

function lower(list: readonly string[] | undefined): string[] | undefined {
  return list?.map((s) => s.toLowerCase());
}

function bounds(b: { cpu?: string; memory?: string } | undefined): { cpu?: number; memory?: number } {
  const out: { cpu?: number; memory?: number } = {};
  if (b?.cpu !== undefined) out.cpu = parseBound(b.cpu, 'cpu');
  if (b?.memory !== undefined) out.memory = parseBound(b.memory, 'memory');
  return out;
}

/**
 * A spec with every default filled in. Independent of YAML: the controller
 * calls it for PlacementPolicy objects read from the cluster, so it checks
 * the spec itself and throws an InputError naming every bad field.
 */
export function resolvePolicy(name: string, spec: PolicySpec): Policy {
  const problems = specProblems(spec);
  if (problems.length > 0) {
    const lines = problems.map((p) => `${p.field}: ${p.message}`);
    throw new InputError(lines.length === 1 ? (lines[0] ?? '') : `\n  ${lines.join('\n  ')}`, {
      object: `${KIND}/${name}`,
    });
  }
  const d = POLICY_DEFAULTS;
  const families = spec.instanceFamilies;
  const policy: Policy = {
    name,
    clouds: spec.clouds ?? d.clouds,
    capacityTypes: spec.capacityTypes ?? d.capacityTypes,
    excludeFamilies: lower(families?.exclude) ?? [],
    architectures: spec.architectures ?? d.architectures,
    spotRiskWeight: spec.spot?.riskWeight ?? d.spotRiskWeight,
    maxInterruptionBand: spec.spot?.maxInterruptionBand ?? d.maxInterruptionBand,
    isolation: spec.isolation ?? d.isolation,
    rootVolume: rootVolumeBounds(spec.rootVolume),
    burstable: spec.burstable ?? d.burstable,
    rightSizing: {
      mode: spec.rightSizing?.mode ?? d.rightSizingMode,
      headroomPercent: spec.rightSizing?.headroomPercent ?? d.headroomPercent,
      min: bounds(spec.rightSizing?.min),
      max: bounds(spec.rightSizing?.max),
      upsizeForHeadroom: spec.rightSizing?.upsizeForHeadroom ?? d.upsizeForHeadroom,
      maxCpuTrimPercent: spec.rightSizing?.shapeFit?.maxCpuTrimPercent ?? d.maxCpuTrimPercent,
    },
  };
  if (spec.regions) policy.regions = spec.regions;
  if (spec.zones) policy.zones = spec.zones;
  const include = lower(families?.include);
  if (include) policy.includeFamilies = include;
  if (spec.instanceTypePattern !== undefined)
    policy.instanceTypePattern = compilePattern(spec.instanceTypePattern);
  const gpuModels = lower(spec.gpuModels);
  if (gpuModels) policy.gpuModels = gpuModels;
  if (spec.maxPricePerHour !== undefined) policy.maxPricePerHour = spec.maxPricePerHour;
  return policy;
}

// ---- documents ---------------------------------------------------------------------

const TOP_LEVEL = ['apiVersion', 'kind', 'metadata', 'spec', 'status'];
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Checks one document; returns its name (when it has a usable one) and what is wrong with it. */
function checkDocument(
  doc: unknown,
  onOffer: OnOffer | undefined,
): { name?: string; problems: Problem[]; warnings: Problem[]; spec?: PolicySpec } {
  if (!isMap(doc))
    return {
      problems: [{ field: '(document)', message: `expected a ${KIND} map, got ${show(doc)}` }],
      warnings: [],
    };
  const problems: Problem[] = [];
  if (doc.apiVersion !== API_VERSION) {
    problems.push({ field: 'apiVersion', message: `expected ${API_VERSION}, got ${show(doc.apiVersion)}` });
  }
  if (doc.kind !== KIND) problems.push({ field: 'kind', message: `expected ${KIND}, got ${show(doc.kind)}` });
  for (const key of Object.keys(doc)) {
    if (!TOP_LEVEL.includes(key)) {
      problems.push({ field: key, message: unknownField(key, TOP_LEVEL) });
    }
  }
  const name = isMap(doc.metadata) ? doc.metadata.name : undefined;
  if (typeof name !== 'string' || !DNS_SUBDOMAIN.test(name) || name.length > 253) {
    problems.push({
      field: 'metadata.name',
      message: `expected a lower-case DNS name (a-z, 0-9, '-', '.'), got ${show(name)}`,
    });
  }
  const spec = doc.spec ?? {};
  const findings = judgePolicy(spec, onOffer);
  problems.push(...findings.filter((f) => f.severity === 'error'));
  return {
    ...(typeof name === 'string' ? { name } : {}),
    problems,
    warnings: findings.filter((f) => f.severity === 'warning'),
    ...(problems.length === 0 ? { spec: spec as PolicySpec } : {}),
  };
}

export interface ParseOptions {
  /** Judge each policy against these offerings too (`berth policy validate --cloud --region`). */
  onOffer?: OnOffer;
  /** Each warning, as one line in the same form as the errors. */
  onWarning?: (line: string) => void;
}

/**
 * Parses YAML holding one or more PlacementPolicy documents (`---`
 * separated). Returns the resolved policies, or throws one InputError that
 * lists every problem of every document, each as
 * `<source> document <n>: PlacementPolicy/<name>: <field>: <what was expected>`.
 */
export function parsePolicyDocuments(text: string, source: string, options: ParseOptions = {}): Policy[] {
  const lines: string[] = [];
  const policies: Policy[] = [];
  const seen = new Set<string>();
  let count = 0;
  for (const { where, value, errors } of parseYamlDocuments(text, source)) {
    if (errors.length > 0) {
      for (const e of errors) lines.push(`${where}: ${e}`);
      continue;
    }
    if (value === null || value === undefined) continue; // an empty document, e.g. after a trailing ---
    count++;
    const checked = checkDocument(value, options.onOffer);
    const object = `${KIND}/${checked.name ?? '(unnamed)'}`;
    if (checked.name !== undefined && seen.has(checked.name)) {
      checked.problems.push({
        field: 'metadata.name',
        message: `${checked.name} is defined twice in this file`,
      });
    }
    if (checked.name !== undefined) seen.add(checked.name);
    for (const p of checked.problems) lines.push(`${where}: ${object}: ${p.field}: ${p.message}`);
    for (const w of checked.warnings) options.onWarning?.(`${where}: ${object}: ${w.field}: ${w.message}`);
    if (checked.problems.length === 0 && checked.spec && checked.name) {
      policies.push(resolvePolicy(checked.name, checked.spec));
    }
  }
  if (lines.length === 0 && count === 0) {
    throw new InputError(`no ${KIND} documents found (the file is empty)`, { source });
  }
  if (lines.length > 0) {
    throw new InputError(listProblems(lines), { source });
  }
  return policies;
}
