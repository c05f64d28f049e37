import { parsePriceMultipliers } from '../../pricing/multipliers.ts';
import { InputError, type PriceMultipliers } from '../model/index.ts';
import { readInput } from './manifests.ts';

/** `--price-multipliers` of `run` and `quote`: inline JSON, or @file holding it. */
export function parsePriceMultipliersFlag(value: string | undefined): PriceMultipliers {
  if (!value) return {};
  const file = value.startsWith('@') ? value.slice(1) : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(file ? readInput(file).text : value);
  } catch (err) {
    if (err instanceof InputError) throw err; // the file is missing or too big
    throw new InputError(`expected JSON (${err instanceof Error ? err.message : String(err)})`, {
      ...(file ? { source: file } : {}),
      field: '--price-multipliers',
    });
  }
  return parsePriceMultipliers(parsed, file ?? '--price-multipliers');
}
