import { InputError } from './errors.ts';
import { ABSURD_AMOUNTS, misspeltResource } from './resource-names.ts';
import { CPU, EPHEMERAL_STORAGE, MEMORY, type Resources } from './resources.ts';

/**
 * Kubernetes quantities ("500m", "1.5Gi", "1e3") to and from the canonical
 * integer units of `Resources`. Parsing is exact (BigInt, no floating point)
 * because 0.1 × 1000 is not 100 in a double, and rounding a request up by a
 * stray millicore could pick a bigger machine.
 */

type Where = { source?: string; object?: string; field?: string };

/** How a resource is counted in `Resources`. */
type ResourceUnit = 'milli' | 'bytes' | 'count';

export function resourceUnit(resource: string): ResourceUnit {
  if (resource === CPU) return 'milli';
  if (resource === MEMORY || resource === EPHEMERAL_STORAGE || resource.startsWith('hugepages-'))
    return 'bytes';
  return 'count';
}

const BINARY_POWERS: Readonly<Record<string, number>> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_POWERS: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  '': 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/**
 * The grammar from the Quantity type's documentation: an optionally signed
 * decimal (digits, digits., .digits or digits.digits) followed by one binary
 * suffix, one decimal suffix, or a decimal exponent (e/E and a signed integer).
 */
const QUANTITY = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$/;

const LOG10_2 = Math.log10(2);

function fail(message: string, resource: string, where: Where): never {
  throw new InputError(message, { ...where, field: where.field ?? resource });
}

/**
 * Parses a Kubernetes quantity into the canonical unit of `resource`: cpu in
 * millicores, memory-like resources in bytes (both rounded up, as the
 * scheduler rounds), anything else as a whole count. Negative amounts and
 * fractional counts are rejected with an `InputError` naming the field.
 */
export function parseQuantity(value: string | number, resource: string, where: Where = {}): number {
  const raw: unknown = value;
  let text: string;
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) fail(`expected a quantity, got ${raw}`, resource, where);
    text = String(raw);
  } else if (typeof raw === 'string') {
    text = raw;
  } else {
    fail(`expected a quantity such as 500m, 2 or 1.5Gi, got ${describe(raw)}`, resource, where);
  }

  const m = QUANTITY.exec(text);
  const whole = m?.[2] ?? '';
  const frac = m?.[3] ?? '';
  if (!m || (whole === '' && frac === '')) {
    fail(`"${text}" is not a Kubernetes quantity (expected e.g. 500m, 2, 1.5Gi, 1e3)`, resource, where);
  }
  const sign = m[1];
  const suffix = m[4] ?? '';

  let exp10 = -frac.length;
  let exp2 = 0;
  if (suffix in BINARY_POWERS) exp2 = BINARY_POWERS[suffix] ?? 0;
  else if (suffix in DECIMAL_POWERS) exp10 += DECIMAL_POWERS[suffix] ?? 0;
  else exp10 += Number(suffix.slice(1));

  const unit = resourceUnit(resource);
  if (unit === 'milli') exp10 += 3;

  const digits = (whole + frac).replace(/^0+/, '');
  if (digits === '') return 0;
  if (sign === '-') fail(`"${text}" is negative; a quantity here must be zero or more`, resource, where);

  // Order of magnitude first, so "1e999999999" costs nothing to reject.
  const magnitude = digits.length + exp10 + exp2 * LOG10_2;
  if (magnitude > 17) fail(`"${text}" is too large`, resource, where);
  if (magnitude < -1) {
    if (unit === 'count') fail(`"${text}" must be a whole number`, resource, where);
    // A positive amount below one unit still takes one unit, as Kubernetes rounds up.
    return 1;
  }

  let numerator = BigInt(digits) * 2n ** BigInt(exp2);
  let denominator = 1n;
  if (exp10 >= 0) numerator *= 10n ** BigInt(exp10);
  else denominator = 10n ** BigInt(-exp10);

  const remainder = numerator % denominator;
  if (remainder !== 0n && unit === 'count') fail(`"${text}" must be a whole number`, resource, where);
  const rounded = numerator / denominator + (remainder === 0n ? 0n : 1n);
  if (rounded > BigInt(Number.MAX_SAFE_INTEGER)) fail(`"${text}" is too large`, resource, where);
  return Number(rounded);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `${typeof v} ${String(v)}`;
}

/**
 * Parses a `requests`/`limits`-style map. `where.field` is the map's path
 * (e.g. `spec.containers[0].resources.requests`); errors name the entry. A
 * near miss of a well-known name (`nvidia.com/gpus`) and an amount no machine
 * comes near (`cpu: 10000000`) are mistakes, not a pod to wait for a node.
 */
export function parseResourceList(
  list: Record<string, string | number> | undefined,
  where: Where = {},
): Resources {
  if (list === undefined || list === null) return {};
  const raw: unknown = list;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new InputError(`expected a map of resource name to quantity, got ${describe(raw)}`, where);
  }
  const out: Record<string, number> = {};
  for (const [name, value] of Object.entries(list)) {
    const field = where.field ? `${where.field}.${name}` : name;
    const meant = misspeltResource(name);
    if (meant)
      throw new InputError(`unknown resource "${name}"; did you mean "${meant}"?`, { ...where, field });
    const amount = parseQuantity(value, name, { ...where, field });
    const absurd = ABSURD_AMOUNTS[name];
    if (absurd !== undefined && amount > absurd) {
      throw new InputError(
        `${String(value)} is more than any machine of any cloud has (at most ${formatQuantity(name, absurd)}); check the unit`,
        { ...where, field },
      );
    }
    out[name] = amount;
  }
  return out;
}

/** Millicores for display: whole cores as `2`, the rest as `1500m`. */
export function formatCpu(milli: number): string {
  const m = Math.ceil(milli);
  return m % 1000 === 0 ? String(m / 1000) : `${m}m`;
}

const BYTE_UNITS: readonly (readonly [string, bigint])[] = [
  ['Ei', 2n ** 60n],
  ['Pi', 2n ** 50n],
  ['Ti', 2n ** 40n],
  ['Gi', 2n ** 30n],
  ['Mi', 2n ** 20n],
  ['Ki', 2n ** 10n],
  ['E', 10n ** 18n],
  ['P', 10n ** 15n],
  ['T', 10n ** 12n],
  ['G', 10n ** 9n],
  ['M', 10n ** 6n],
  ['k', 10n ** 3n],
  ['', 1n],
];

/**
 * Bytes for display, exact (so the text parses back to the same number): the
 * shortest spelling with at most three decimals, binary units first on a tie,
 * e.g. `3.5Gi`, `100Mi`, `1.5G`, `1536`.
 */
export function formatBytes(bytes: number): string {
  const b = Math.ceil(bytes);
  if (b < 0) return `-${formatBytes(-b)}`;
  const n = BigInt(b);
  let best = String(b);
  for (const [suffix, size] of BYTE_UNITS) {
    if (n < size || (n * 1000n) % size !== 0n) continue;
    const whole = n / size;
    const thousandths = ((n % size) * 1000n) / size;
    const frac = thousandths === 0n ? '' : `.${String(thousandths).padStart(3, '0').replace(/0+$/, '')}`;
    const text = `${whole}${frac}${suffix}`;
    if (text.length < best.length) best = text;
  }
  return best;
}

/** One amount in the spelling its resource uses. */
export function formatQuantity(resource: string, value: number): string {
  switch (resourceUnit(resource)) {
    case 'milli':
      return formatCpu(value);
    case 'bytes':
      return formatBytes(value);
    case 'count':
      return String(value);
  }
}

/**
 * Amounts of one resource in one unit, so a person can compare them:
 * `needs 1000, has 893.69` rather than `needs 1000, has 893690m`.
 * cpu: cores when all are at least one core, else millicores; bytes: the
 * largest binary unit all reach, to three places.
 */
export function formatComparable(resource: string, values: readonly number[]): string[] {
  switch (resourceUnit(resource)) {
    case 'milli': {
      const milli = values.map((v) => Math.ceil(v));
      return Math.min(...milli) >= 1000 ? milli.map((m) => String(m / 1000)) : milli.map((m) => `${m}m`);
    }
    case 'bytes': {
      const smallest = Math.min(...values.map(Math.abs));
      // Binary units only (Ti, Gi, Mi, Ki): what Kubernetes people read memory in.
      const unit = BYTE_UNITS.find(([suffix, size]) => suffix.endsWith('i') && smallest >= Number(size));
      if (!unit) return values.map((v) => String(Math.ceil(v)));
      const [suffix, size] = unit;
      return values.map((v) => `${Number((v / Number(size)).toFixed(3))}${suffix}`);
    }
    case 'count':
      return values.map(String);
  }
}

const LEADING: readonly string[] = [CPU, MEMORY, EPHEMERAL_STORAGE];

/** `cpu=1500m memory=3.5Gi nvidia.com/gpu=1 pods=2`: the usual three first, then by name. */
export function formatResources(r: Resources): string {
  const names = Object.keys(r).sort((a, b) => {
    const ia = LEADING.indexOf(a);
    const ib = LEADING.indexOf(b);
    if (ia !== ib) return (ia === -1 ? LEADING.length : ia) - (ib === -1 ? LEADING.length : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  if (names.length === 0) return 'none';
  return names.map((name) => `${name}=${formatQuantity(name, r[name] ?? 0)}`).join(' ');
}
