/**
 * Turns a TypeBox (JSON Schema) schema into the structural OpenAPI v3 schema
 * an apiextensions.k8s.io/v1 CRD accepts, so the API server rejects the same
 * malformed objects our own validator does, from a single source.
 *
 * The API server is stricter than JSON Schema: every node needs a `type`,
 * `const` and unions don't exist (unions of literals become `enum`),
 * `additionalProperties: false` is not allowed (unknown fields are pruned
 * instead), and `exclusiveMinimum` is a boolean beside `minimum`. Anything we
 * can't express is an error naming the path, never a silently looser schema.
 */

/** The subset of OpenAPI v3 a structural CRD schema uses, in its wire spelling. */
export interface StructuralSchema {
  type: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  description?: string;
  enum?: (string | number | boolean)[];
  nullable?: boolean;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  items?: StructuralSchema;
  additionalProperties?: StructuralSchema;
  'x-kubernetes-preserve-unknown-fields'?: true;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
}

type Json = Record<string, unknown>;
type ScalarType = 'string' | 'number' | 'integer' | 'boolean';
const TYPES = ['object', 'array', 'string', 'number', 'integer', 'boolean'] as const;

/** Keywords that carry no validation meaning for the API server and are dropped. */
const IGNORED = new Set(['$id', '$schema', 'title', 'examples', '$comment']);

export class SchemaConversionError extends Error {
  constructor(path: string, message: string) {
    super(`${path || '<root>'}: ${message}`);
    this.name = 'SchemaConversionError';
  }
}

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLiteral(v: unknown): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function typeOf(node: Json, path: string): StructuralSchema['type'] {
  const t = node.type;
  const found = TYPES.find((x) => x === t);
  if (!found) throw new SchemaConversionError(path, `needs a single "type" (one of ${TYPES.join(', ')})`);
  return found;
}

function num(node: Json, key: string, path: string): number | undefined {
  const v = node[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'number') throw new SchemaConversionError(path, `"${key}" must be a number`);
  return v;
}

/** `anyOf`/`const` of literals → `enum`; a `null` branch → `nullable`. */
function literalUnion(node: Json, path: string): StructuralSchema {
  const branches = node.anyOf;
  if (!Array.isArray(branches) || branches.length === 0) {
    throw new SchemaConversionError(path, '"anyOf" must be a non-empty list');
  }
  const values: (string | number | boolean)[] = [];
  let type: ScalarType | undefined;
  let nullable = false;
  for (const [i, b] of branches.entries()) {
    if (!isRecord(b)) throw new SchemaConversionError(`${path}.anyOf[${i}]`, 'not a schema');
    if (b.type === 'null') {
      nullable = true;
      continue;
    }
    const t = b.type;
    if (!isLiteral(b.const) || (t !== 'string' && t !== 'number' && t !== 'integer' && t !== 'boolean')) {
      throw new SchemaConversionError(
        `${path}.anyOf[${i}]`,
        'only unions of literals can be expressed in a CRD schema (as an enum)',
      );
    }
    if (type !== undefined && type !== t) {
      throw new SchemaConversionError(path, `a union of literals must share one type (${type} and ${t})`);
    }
    type = t;
    values.push(b.const);
  }
  if (type === undefined) throw new SchemaConversionError(path, 'a union of only null has no type');
  const out: StructuralSchema = { type };
  if (typeof node.description === 'string') out.description = node.description;
  out.enum = values;
  if (nullable) out.nullable = true;
  return out;
}

/** The handled keywords of a node, in the order they are written out. */
const HANDLED = new Set([
  'type',
  'description',
  'const',
  'enum',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'exclusiveMaximum',
  'minItems',
  'maxItems',
  'uniqueItems',
  'default',
  'properties',
  'required',
  'items',
  'additionalProperties',
  'patternProperties',
]);

/** The patterns TypeBox and others write for "any key" (T.Record(T.String(), ...)). */
const ANY_KEY = new Set(['^(.*)$', '^.*$', '.*', '^']);

function convert(node: unknown, path: string): StructuralSchema {
  if (!isRecord(node)) throw new SchemaConversionError(path, 'not a schema object');
  if ('anyOf' in node) {
    const extra = Object.keys(node).filter((k) => k !== 'anyOf' && k !== 'description' && !IGNORED.has(k));
    if (extra.length > 0)
      throw new SchemaConversionError(path, `unsupported beside anyOf: ${extra.join(', ')}`);
    return literalUnion(node, path);
  }
  for (const key of Object.keys(node)) {
    if (!HANDLED.has(key) && !IGNORED.has(key)) {
      throw new SchemaConversionError(path, `keyword "${key}" has no structural CRD equivalent`);
    }
  }

  const out: StructuralSchema = { type: typeOf(node, path) };
  if (typeof node.description === 'string') out.description = node.description;
  if (isLiteral(node.const)) out.enum = [node.const];
  if (Array.isArray(node.enum)) out.enum = node.enum.filter(isLiteral);
  if (typeof node.format === 'string') out.format = node.format;
  if (typeof node.pattern === 'string') out.pattern = node.pattern;
  const minLength = num(node, 'minLength', path);
  if (minLength !== undefined) out.minLength = minLength;
  const maxLength = num(node, 'maxLength', path);
  if (maxLength !== undefined) out.maxLength = maxLength;
  boundsInto(out, node, path);
  const minItems = num(node, 'minItems', path);
  if (minItems !== undefined) out.minItems = minItems;
  const maxItems = num(node, 'maxItems', path);
  if (maxItems !== undefined) out.maxItems = maxItems;
  if (node.default !== undefined) out.default = node.default;

  if (out.type === 'object') objectInto(out, node, path);
  if (out.type === 'array') {
    if (node.items === undefined) throw new SchemaConversionError(path, 'an array needs "items"');
    out.items = convert(node.items, `${path}[]`);
    // The API server forbids uniqueItems; a set-typed list is its way of saying the same.
    if (node.uniqueItems === true) out['x-kubernetes-list-type'] = 'set';
  }
  return out;
}

/**
 * JSON Schema 2019 writes `exclusiveMinimum: 0`; OpenAPI v3.0 (which CRDs
 * use) writes `minimum: 0, exclusiveMinimum: true`.
 */
function boundsInto(out: StructuralSchema, node: Json, path: string): void {
  const minimum = num(node, 'minimum', path);
  const maximum = num(node, 'maximum', path);
  const exMin = node.exclusiveMinimum;
  const exMax = node.exclusiveMaximum;
  if (minimum !== undefined) out.minimum = minimum;
  if (typeof exMin === 'number' && (minimum === undefined || exMin >= minimum)) {
    out.minimum = exMin;
    out.exclusiveMinimum = true;
  } else if (exMin === true) out.exclusiveMinimum = true;
  if (maximum !== undefined) out.maximum = maximum;
  if (typeof exMax === 'number' && (maximum === undefined || exMax <= maximum)) {
    out.maximum = exMax;
    out.exclusiveMaximum = true;
  } else if (exMax === true) out.exclusiveMaximum = true;
}

function objectInto(out: StructuralSchema, node: Json, path: string): void {
  const props = node.properties;
  if (props !== undefined) {
    if (!isRecord(props)) throw new SchemaConversionError(path, '"properties" must be an object');
    out.properties = {};
    for (const [name, child] of Object.entries(props)) {
      out.properties[name] = convert(child, path ? `${path}.${name}` : name);
    }
  }
  const required = node.required;
  if (Array.isArray(required) && required.length > 0) {
    out.required = required.filter((r): r is string => typeof r === 'string');
  }
  let additional = node.additionalProperties;
  const patterns = node.patternProperties;
  if (patterns !== undefined) {
    const entries = isRecord(patterns) ? Object.entries(patterns) : [];
    const only = entries[0];
    if (entries.length !== 1 || !only || !ANY_KEY.has(only[0]) || isRecord(additional)) {
      throw new SchemaConversionError(
        path,
        'only a map with any string key can be expressed (no key patterns)',
      );
    }
    additional = only[1];
  }
  if (isRecord(additional)) {
    if (out.properties) {
      throw new SchemaConversionError(
        path,
        '"properties" and an "additionalProperties" schema are exclusive',
      );
    }
    out.additionalProperties = convert(additional, `${path}.*`);
  } else if (additional === true || (additional === undefined && props === undefined)) {
    // A free-form object: the only structural way to keep its contents is to say so.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  // additionalProperties: false is dropped: the API server prunes unknown fields instead.
}

/** The structural OpenAPI v3 schema for a TypeBox / JSON Schema object schema. */
export function toStructuralSchema(schema: unknown): StructuralSchema {
  return convert(schema, '');
}
