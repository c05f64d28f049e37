import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mergeLiveRegion } from '../../../pricing/aws/catalog-build.ts';
import type { AwsSnapshot } from '../../../pricing/aws/fetch.ts';
import { type CloudFile, CloudFileSchema } from '../../../pricing/catalog/schema.ts';
import { checkAgainst } from '../../../pricing/catalog/sources.ts';
import type { AwsTypeSpec } from '../../../pricing/catalog/sources.ts';
import { InputError } from '../../../src/model/index.ts';

const catalogDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../../pricing/catalog');
const EXISTING: CloudFile = JSON.parse(readFileSync(resolve(catalogDir, 'aws.json'), 'utf8'));

const spec = (over: Partial<AwsTypeSpec> = {}): AwsTypeSpec => ({
  vcpu: 2,
  memoryMiB: 8192,
  arch: ['x86_64'],
  gpu: null,
  burstable: false,
  usageClasses: ['on-demand', 'spot'],
  maxNetworkInterfaces: 3,
  ipv4PerInterface: 10,
  ...over,
});

const at = (price: number) => ({ price, since: '2026-08-01T00:00:00.000Z' });

function snapshot(over: Partial<AwsSnapshot> = {}): AwsSnapshot {
  return {
    region: 'us-east-1',
    fetchedAt: '2026-08-02T10:00:00.000Z',
    onDemand: new Map([
      ['m5.large', 0.097],
      ['c5.large', 0.086],
      ['zz9.large', 1],
    ]),
    types: new Map([
      ['m5.large', spec()],
      ['c5.large', spec({ memoryMiB: 4096 })],
    ]),
    zones: new Map([
      ['m5.large', ['us-east-1a', 'us-east-1b']],
      ['c5.large', ['us-east-1a']],
    ]),
    spot: new Map([
      [
        'm5.large',
        new Map([
          ['us-east-1a', at(0.04)],
          ['us-east-1b', at(0.045)],
          // Not a zone EC2 offers the type in: not counted.
          ['us-east-1z', at(0.09)],
        ]),
      ],
    ]),
    ...over,
  };
}

describe('mergeLiveRegion', () => {
  const merged = mergeLiveRegion(EXISTING, snapshot());

  it('writes the region from the live prices, in the catalog file format', () => {
    expect(() => checkAgainst(CloudFileSchema, merged, 'aws.json')).not.toThrow();
    expect(merged.regions['us-east-1']?.['on-demand']).toEqual({
      observedAt: '2026-08-02T10:00:00.000Z',
      origin: 'aws price list api',
      estimated: false,
      prices: { 'c5.large': 0.086, 'm5.large': 0.097 },
    });
    expect(merged.shapes['c5.large']).toMatchObject({
      family: 'c5',
      cpu: 2000,
      memoryMiB: 4096,
      maxPods: 29,
    });
    expect(merged.skipped['us-east-1 live: priced but not described by EC2']).toEqual(['zz9.large']);
  });

  it('writes spot as the highest price of the zones selling the type, keeping its Spot Advisor band', () => {
    const spot = merged.regions['us-east-1']?.spot;
    expect(spot?.prices).toEqual({ 'm5.large': 0.045 });
    expect(spot?.estimated).toBe(false);
    expect(spot?.bands?.['m5.large']).toBe(EXISTING.regions['us-east-1']?.spot?.bands?.['m5.large']);
    expect(merged.interruptionBands).toEqual(EXISTING.interruptionBands);
  });

  it('leaves the other regions, their shapes and their sources as they were', () => {
    expect(merged.regions['us-gov-west-1']).toEqual(EXISTING.regions['us-gov-west-1']);
    const govTypes = Object.keys(EXISTING.regions['us-gov-west-1']?.['on-demand']?.prices ?? {});
    for (const type of govTypes.slice(0, 50)) expect(merged.shapes[type]).toBeDefined();
    for (const source of EXISTING.sources) expect(merged.sources).toContainEqual(source);
  });

  it('is idempotent: rebuilding the region replaces its live sources, notes and skips', () => {
    const again = mergeLiveRegion(merged, snapshot());
    expect(again).toEqual(merged);
    expect(again.sources.filter((s) => s.commit === 'live-api')).toHaveLength(2);
    expect(again.notes.filter((n) => n.startsWith('us-east-1 live:'))).toHaveLength(1);
  });

  it('builds a file from nothing for a new region', () => {
    const fresh = mergeLiveRegion(undefined, snapshot({ region: 'eu-west-1' }));
    expect(() => checkAgainst(CloudFileSchema, fresh, 'aws.json')).not.toThrow();
    expect(Object.keys(fresh.regions)).toEqual(['eu-west-1']);
    expect(fresh.regions['eu-west-1']?.spot?.bands).toBeUndefined();
  });

  it('refuses to write a region without a single usable on-demand price', () => {
    expect(() => mergeLiveRegion(EXISTING, snapshot({ onDemand: new Map([['zz9.large', 1]]) }))).toThrow(
      InputError,
    );
  });
});
