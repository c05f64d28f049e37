import {
  CAPACITY_TYPES,
  CLOUDS,
  InputError,
  type Offering,
  type PriceMultipliers,
  isRecord,
} from '../src/model/index.ts';

/**
 * The factor one offering's list price is multiplied by: the product of every
 * multiplier that names its cloud, its family and its capacity type.
 */
export function multiplierFor(
  offering: Pick<Offering, 'cloud' | 'family' | 'capacityType'>,
  m: PriceMultipliers,
): number {
  return (
    (m.cloud?.[offering.cloud] ?? 1) *
    (m.family?.[offering.family] ?? 1) *
    (m.capacityType?.[offering.capacityType] ?? 1)
  );
}

/**
 * Offerings at the prices this installation really pays. Pure: offerings
 * whose factor is 1 are returned as they are (the catalog shares frozen
 * objects between offerings), the others as copies. A serverless offering's
 * per-vCPU and per-GiB rates scale too, since placement prices a pod from them.
 */
export function applyMultipliers(
  offerings: readonly Offering[],
  multipliers: PriceMultipliers | undefined,
): Offering[] {
  if (!multipliers || isIdentity(multipliers)) return [...offerings];
  return offerings.map((o) => {
    const factor = multiplierFor(o, multipliers);
    if (factor === 1) return o;
    const scaled: Offering = { ...o, pricePerHour: scale(o.pricePerHour, factor) };
    if (o.serverless) {
      scaled.serverless = {
        ...o.serverless,
        perVcpuHour: scale(o.serverless.perVcpuHour, factor),
        perGiBHour: scale(o.serverless.perGiBHour, factor),
      };
    }
    return scaled;
  });
}

/** Ten significant digits: enough for any price, and float noise never shows up in a quote. */
function scale(price: number, factor: number): number {
  return Number((price * factor).toPrecision(10));
}

function isIdentity(m: PriceMultipliers): boolean {
  return [m.cloud, m.family, m.capacityType].every(
    (table) => table === undefined || Object.values(table).every((v) => v === 1),
  );
}

/**
 * Multipliers as a person wrote them (a flag, a config file), checked: only
 * the three tables, known clouds and capacity types, and factors that are
 * finite and above zero. A factor above 1 is allowed (a surcharge, or a
 * currency conversion), a factor of 0 would make everything free.
 */
export function parsePriceMultipliers(value: unknown, source = 'price multipliers'): PriceMultipliers {
  if (value === undefined || value === null) return {};
  if (!isRecord(value)) throw new InputError('expected an object', { source });
  const out: PriceMultipliers = {};
  for (const key of Object.keys(value)) {
    if (key !== 'cloud' && key !== 'family' && key !== 'capacityType') {
      throw new InputError(`unknown key "${key}"; expected cloud, family or capacityType`, {
        source,
        field: key,
      });
    }
  }
  const cloud = factorTable(value.cloud, 'cloud', CLOUDS, source);
  const family = factorTable(value.family, 'family', undefined, source);
  const capacityType = factorTable(value.capacityType, 'capacityType', CAPACITY_TYPES, source);
  if (cloud) out.cloud = cloud;
  if (family) out.family = family;
  if (capacityType) out.capacityType = capacityType;
  return out;
}

function factorTable<K extends string>(
  value: unknown,
  field: string,
  allowed: readonly K[] | undefined,
  source: string,
): Record<K, number> | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) throw new InputError('expected an object of name: factor', { source, field });
  const out: Record<string, number> = {};
  for (const [name, factor] of Object.entries(value)) {
    if (allowed && !(allowed as readonly string[]).includes(name)) {
      throw new InputError(`unknown name "${name}"; expected one of ${allowed.join(', ')}`, {
        source,
        field: `${field}.${name}`,
      });
    }
    if (typeof factor !== 'number' || !Number.isFinite(factor) || factor <= 0) {
      throw new InputError(`expected a number above 0 (0.9 is 10% off), got ${JSON.stringify(factor)}`, {
        source,
        field: `${field}.${name}`,
      });
    }
    out[name] = factor;
  }
  return out as Record<K, number>;
}
