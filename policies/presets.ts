import { readdirSync, readFileSync } from 'node:fs';
import { InputError, type Policy } from '../src/model/index.ts';
import { parsePolicyDocuments } from './validate.ts';

/**
 * The built-in policies, one YAML file each in presets/, so people read and
 * copy the same text berth runs. Each file holds one PlacementPolicy named
 * like the file.
 */

const DIR = new URL('./presets/', import.meta.url);
const loaded = new Map<string, Policy>();

export function presetNames(): string[] {
  return readdirSync(DIR)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => f.slice(0, -'.yaml'.length))
    .sort();
}

/** The preset's YAML as shipped, comments included. */
export function presetText(name: string): string {
  if (!presetNames().includes(name)) {
    throw new InputError(`unknown preset "${name}" (expected one of: ${presetNames().join(', ')})`, {
      field: 'policy',
    });
  }
  return readFileSync(new URL(`${name}.yaml`, DIR), 'utf8');
}

export function loadPreset(name: string): Policy {
  const cached = loaded.get(name);
  if (cached) return cached;
  const [policy, ...extra] = parsePolicyDocuments(presetText(name), `presets/${name}.yaml`);
  if (!policy || extra.length > 0 || policy.name !== name) {
    throw new InputError(`expected exactly one PlacementPolicy named ${name}`, {
      source: `presets/${name}.yaml`,
    });
  }
  loaded.set(name, policy);
  return policy;
}
