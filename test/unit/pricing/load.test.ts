import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadCatalog, warnIfStale } from '../../../pricing/catalog/load.ts';
import { CATALOG_FORMAT, type CloudFile, type ServerlessFile } from '../../../pricing/catalog/schema.ts';
import { inputErrorOf } from '../../fixtures/input-error.ts';

const source = {
  repo: 'example/prices',
  commit: '0123456789abcdef',
  path: 'prices.json',
  license: 'Apache-2.0',
  dataDate: '2026-07-20T00:00:00.000Z',
};

function awsFile(): CloudFile {
  return {
    format: CATALOG_FORMAT,
    cloud: 'aws',
    sources: [source],
    notes: [],
    skipped: {},
    interruptionBands: [
      { index: 0, label: '<5%', maxPct: 5 },
      { index: 1, label: '5-10%', maxPct: 11 },
    ],
    shapes: {
      'm5.large': { family: 'm5', cpu: 2000, memoryMiB: 8192, arch: 'amd64', maxPods: 29, burstable: false },
      'g5.xlarge': {
        family: 'g5',
        cpu: 4000,
        memoryMiB: 16384,
        arch: 'amd64',
        gpu: { count: 1, model: 'a10g', memoryMiB: 22888 },
      },
    },
    regions: {
      'us-east-1': {
        'on-demand': {
          observedAt: '2026-07-20T00:00:00.000Z',
          origin: 'example/prices@0123456789ab',
          estimated: false,
          prices: { 'm5.large': 0.096, 'g5.xlarge': 1.006 },
        },
        spot: {
          observedAt: '2025-06-28T00:00:00.000Z',
          origin: 'example/advisor@0123456789ab',
          estimated: true,
          prices: { 'm5.large': 0.0326 },
          bands: { 'm5.large': 1 },
        },
      },
      'us-gov-west-1': {
        'on-demand': {
          observedAt: '2026-07-20T00:00:00.000Z',
          origin: 'example/prices@0123456789ab',
          estimated: false,
          prices: { 'm5.large': 0.121 },
        },
      },
    },
  };
}

function serverlessFile(): ServerlessFile {
  return {
    format: CATALOG_FORMAT,
    kind: 'serverless',
    sources: [],
    notes: [],
    skipped: {},
    offerings: [
      {
        cloud: 'aws',
        region: 'us-east-1',
        instanceType: 'fargate-amd64',
        family: 'fargate',
        arch: 'amd64',
        perVcpuHour: 0.04,
        perGiBHour: 0.004,
        overhead: { cpu: 0, memoryMiB: 256 },
        shapes: [
          { cpu: 250, memoryMinMiB: 512, memoryMaxMiB: 1024, memoryStepMiB: 512 },
          { cpu: 1000, memoryMinMiB: 2048, memoryMaxMiB: 8192, memoryStepMiB: 1024 },
        ],
        observedAt: '2026-07-01T00:00:00.000Z',
        origin: 'public list rate (example)',
        estimated: true,
        citations: ['example.com/fargate'],
        notes: [],
      },
    ],
  };
}

let dir: string;
const now = new Date('2026-08-01T00:00:00Z');

function write(name: string, value: unknown): void {
  writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'berth-catalog-'));
  write('aws.json', awsFile());
  write('serverless.json', serverlessFile());
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function load(over: Parameters<typeof loadCatalog>[0] = {}) {
  const warnings: string[] = [];
  const catalog = loadCatalog({ dir, clouds: ['aws'], now, onWarning: (m) => warnings.push(m), ...over });
  return { catalog, warnings };
}

const errorOf = inputErrorOf;

describe('loadCatalog', () => {
  it('expands price rows into offerings with shape, band, source and id', () => {
    const { catalog } = load({ maxAgeDays: 10_000 });
    const spot = catalog.offerings.find((o) => o.id === 'aws/us-east-1/*/m5.large/spot');
    expect(spot).toMatchObject({
      cloud: 'aws',
      region: 'us-east-1',
      instanceType: 'm5.large',
      family: 'm5',
      capacityType: 'spot',
      cpu: 2000,
      memoryMiB: 8192,
      arch: 'amd64',
      pricePerHour: 0.0326,
      interruption: { band: 1, label: '5-10%', maxPct: 11 },
      maxPods: 29,
      source: { kind: 'embedded', origin: 'example/advisor@0123456789ab', estimated: true },
      observedAt: '2025-06-28T00:00:00.000Z',
    });
    const gpu = catalog.offerings.find((o) => o.instanceType === 'g5.xlarge');
    expect(gpu?.gpu).toEqual({ count: 1, model: 'a10g', memoryMiB: 22888 });
    expect(gpu?.interruption).toBeUndefined();
    expect(catalog.offerings).toHaveLength(5);
    expect(new Set(catalog.offerings.map((o) => o.id)).size).toBe(5);
  });

  it('prices a serverless platform at its largest shape', () => {
    const { catalog } = load({ maxAgeDays: 10_000 });
    const fargate = catalog.offerings.find((o) => o.capacityType === 'serverless');
    expect(fargate).toMatchObject({
      id: 'aws/us-east-1/*/fargate-amd64/serverless',
      cpu: 1000,
      memoryMiB: 8192,
      serverless: { overhead: { cpu: 0, memoryMiB: 256 } },
    });
    expect(fargate?.pricePerHour).toBeCloseTo(0.04 + 8 * 0.004, 10);
    expect(fargate?.serverless?.shapes).toHaveLength(2);
  });

  it('expands only the requested regions and clouds', () => {
    const { catalog } = load({ regions: ['us-gov-west-1'], maxAgeDays: 10_000 });
    expect(catalog.offerings.map((o) => o.id)).toEqual(['aws/us-gov-west-1/*/m5.large/on-demand']);
    expect(catalog.metadata.tables.map((t) => `${t.region} ${t.capacityType} ${t.count}`)).toEqual([
      'us-gov-west-1 on-demand 1',
    ]);
    // No gcp.json in the directory: asking only for aws must not read it.
    expect(() => load({ clouds: ['gcp'] })).toThrow(/gcp\.json: catalog file not found/);
  });

  it('names the file and the JSON path when a file does not match the schema', () => {
    const broken = awsFile();
    const table = broken.regions['us-east-1']?.['on-demand'];
    if (table) table.prices['m5.large'] = -1;
    write('aws.json', broken);
    const err = errorOf(() => load());
    expect(err.message).toContain(join(dir, 'aws.json'));
    expect(err.message).toContain('regions.us-east-1.on-demand.prices.m5.large');
    expect(err.message).toContain('-1');
  });

  it('rejects a price row whose shape is missing', () => {
    const broken = awsFile();
    const table = broken.regions['us-east-1']?.['on-demand'];
    if (table) table.prices['x9.huge'] = 3;
    write('aws.json', broken);
    expect(errorOf(() => load()).message).toMatch(
      /aws\.json: regions\.us-east-1\.on-demand\.prices\.x9\.huge: no shape/,
    );
  });

  it('rejects a file that is not JSON, naming it', () => {
    write('serverless.json', '{"format": ');
    expect(errorOf(() => load()).message).toMatch(/serverless\.json: not valid JSON/);
  });

  it('warns once per file and date when prices are older than the limit', () => {
    const { warnings } = load({ maxAgeDays: 180 });
    // The spot table is from 2025-06-28: 399 days before `now`. Everything else is recent.
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /aws\.json: prices for us-east-1 spot are from 2025-06-28, 399 days old \(limit 180\)/,
    );
    expect(load({ maxAgeDays: 400 }).warnings).toEqual([]);
    // 5 days: both on-demand tables (one file, one date) make one line, spot and serverless one each.
    expect(load({ maxAgeDays: 5 }).warnings).toHaveLength(3);
  });

  it('warns only of the tables a command can use: its regions, capacity types and serverless platforms', () => {
    // 5 days makes every table stale; only those in use are spoken of.
    const onDemand = load({ maxAgeDays: 5, regions: ['us-east-1'], capacityTypes: ['on-demand'] }).warnings;
    expect(onDemand).toHaveLength(1);
    expect(onDemand[0]).toMatch(/prices for us-east-1 on-demand/);
    expect(onDemand[0]).not.toMatch(/us-gov-west-1/);
    const noFargate = load({
      maxAgeDays: 5,
      capacityTypes: ['on-demand', 'spot', 'serverless'],
      serverless: [],
    });
    expect(noFargate.warnings.join('\n')).not.toMatch(/fargate/);
    expect(load({ maxAgeDays: 5, serverless: ['fargate'] }).warnings.join('\n')).toMatch(/fargate/);
  });

  it('says a warning once per process to the same target, however often the catalog is loaded', () => {
    const told: string[] = [];
    const warn = (m: string) => told.push(m);
    loadCatalog({ dir, clouds: ['aws'], now, maxAgeDays: 180, onWarning: warn });
    loadCatalog({ dir, clouds: ['aws'], now, maxAgeDays: 180, onWarning: warn });
    expect(told).toHaveLength(1);
  });

  it('takes the age limit from BERTH_CATALOG_MAX_AGE_DAYS and rejects a bad one', () => {
    const saved = process.env.BERTH_CATALOG_MAX_AGE_DAYS;
    try {
      process.env.BERTH_CATALOG_MAX_AGE_DAYS = '1000';
      expect(load().warnings).toEqual([]);
      process.env.BERTH_CATALOG_MAX_AGE_DAYS = 'soon';
      expect(errorOf(() => load()).message).toMatch(/BERTH_CATALOG_MAX_AGE_DAYS: expected a positive number/);
    } finally {
      if (saved === undefined) delete process.env.BERTH_CATALOG_MAX_AGE_DAYS;
      else process.env.BERTH_CATALOG_MAX_AGE_DAYS = saved;
    }
  });

  it('rejects an unknown cloud', () => {
    expect(() => load({ clouds: ['ibm' as 'aws'] })).toThrow(/unknown cloud "ibm"/);
  });
});

describe('warnIfStale', () => {
  it('summarises many stale tables of one file and date in one line', () => {
    const tables = Array.from({ length: 5 }, (_, i) => ({
      file: 'gcp.json',
      cloud: 'gcp' as const,
      region: `region-${i}`,
      capacityType: 'on-demand' as const,
      observedAt: '2026-01-01T00:00:00.000Z',
      origin: 'o',
      estimated: false,
      count: 1,
    }));
    const out: string[] = [];
    warnIfStale(tables, 30, now, (m) => out.push(m));
    expect(out).toHaveLength(1);
    expect(out[0]).toContain('region-0 on-demand, region-1 on-demand, region-2 on-demand and 2 more');
  });
});
