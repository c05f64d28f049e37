import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import {
  CAPACITY_TYPES,
  type CapacityType,
  type Catalog,
  type CatalogFileInfo,
  type CatalogTable,
  CLOUDS,
  type Cloud,
  InputError,
  type Interruption,
  type Offering,
  offeringId,
  type PriceSource,
} from '../../src/model/index.ts';
import { largestShape } from './convert/serverless.ts';
import {
  type CloudFile,
  CloudFileSchema,
  type PriceTable,
  type ServerlessEntry,
  type ServerlessFile,
  ServerlessFileSchema,
  type ShapeRow,
} from './schema.ts';
import { jsonPath } from './sources.ts';

export interface LoadCatalogOptions {
  /** Directory of the catalog files; default $BERTH_CATALOG_DIR, else this directory. */
  dir?: string;
  /** Only these clouds (default: all). */
  clouds?: readonly Cloud[];
  /** Only these regions (default: all). */
  regions?: readonly string[];
  /** Warn when a price table is older than this; default $BERTH_CATALOG_MAX_AGE_DAYS, else 180. */
  maxAgeDays?: number;
  /** The time ages are measured from (tests pin it). */
  now?: Date;
  /** Where age warnings go; default stderr. Each warning reaches one target once per process. */
  onWarning?: (message: string) => void;
  /** Warn only about the tables of these capacity types (those the command can use); default all. */
  capacityTypes?: readonly CapacityType[];
  /** Warn only about these serverless platforms' tables (by family); default all. */
  serverless?: readonly string[];
}

export const DEFAULT_MAX_AGE_DAYS = 180;
export const SERVERLESS_FILE = 'serverless.json';
export const catalogFileName = (cloud: Cloud): string => `${cloud}.json`;

const DAY_MS = 24 * 60 * 60 * 1000;
const here = dirname(fileURLToPath(import.meta.url));

/**
 * The embedded catalog as offerings. Only the requested clouds' files are
 * read and only the requested regions are expanded, so a controller that
 * serves one region pays for one region; `quote` asks for everything.
 * Every file is checked against its schema first: a damaged file fails with
 * its path and the JSON path of the first bad value, never a TypeError.
 */
export function loadCatalog(options: LoadCatalogOptions = {}): Catalog {
  const dir = resolve(options.dir ?? process.env.BERTH_CATALOG_DIR ?? here);
  const clouds = checkClouds(options.clouds ?? CLOUDS);
  const regions = options.regions && options.regions.length > 0 ? new Set(options.regions) : undefined;
  const maxAgeDays = resolveMaxAge(options.maxAgeDays);

  const offerings: Offering[] = [];
  const files: CatalogFileInfo[] = [];
  const tables: CatalogTable[] = [];

  for (const cloud of clouds) {
    const name = catalogFileName(cloud);
    const data = readCatalogFile<CloudFile>(dir, name, cloudCheck());
    if (data.cloud !== cloud) {
      throw new InputError(`expected cloud "${cloud}", found "${data.cloud}"`, {
        source: join(dir, name),
        field: 'cloud',
      });
    }
    files.push(fileInfo(name, data));
    expandCloudFile(join(dir, name), name, data, regions, offerings, tables);
  }

  const serverless = readCatalogFile<ServerlessFile>(dir, SERVERLESS_FILE, serverlessCheck());
  files.push(fileInfo(SERVERLESS_FILE, serverless));
  for (const entry of serverless.offerings) {
    if (!clouds.includes(entry.cloud) || (regions && !regions.has(entry.region))) continue;
    offerings.push(serverlessOffering(entry));
    tables.push({
      file: SERVERLESS_FILE,
      cloud: entry.cloud,
      region: entry.region,
      capacityType: 'serverless',
      instanceType: entry.instanceType,
      family: entry.family,
      observedAt: entry.observedAt,
      origin: entry.origin,
      estimated: entry.estimated,
      count: 1,
    });
  }

  const used = tables.filter(
    (t) =>
      (!options.capacityTypes || options.capacityTypes.includes(t.capacityType)) &&
      (t.capacityType !== 'serverless' || !options.serverless || options.serverless.includes(t.family ?? '')),
  );
  warnIfStale(used, maxAgeDays, options.now ?? new Date(), onceEach(options.onWarning ?? toStderr));
  return { offerings, metadata: { dir, files, tables } };
}

function toStderr(message: string): void {
  process.stderr.write(`warning: ${message}\n`);
}

/** What each warning target has been told, so loading the catalog again never repeats a warning. */
const told = new WeakMap<(message: string) => void, Set<string>>();
function onceEach(warn: (message: string) => void): (message: string) => void {
  const seen = told.get(warn) ?? new Set<string>();
  told.set(warn, seen);
  return (message) => {
    if (seen.has(message)) return;
    seen.add(message);
    warn(message);
  };
}

function checkClouds(clouds: readonly string[]): Cloud[] {
  const known = new Set<string>(CLOUDS);
  for (const c of clouds) {
    if (!known.has(c))
      throw new InputError(`unknown cloud "${c}"; expected one of ${CLOUDS.join(', ')}`, { field: 'clouds' });
  }
  return [...new Set(clouds)] as Cloud[];
}

function resolveMaxAge(fromOptions: number | undefined): number {
  if (fromOptions !== undefined) {
    if (!(fromOptions > 0))
      throw new InputError(`expected a positive number of days, got ${fromOptions}`, { field: 'maxAgeDays' });
    return fromOptions;
  }
  const env = process.env.BERTH_CATALOG_MAX_AGE_DAYS;
  if (env === undefined || env === '') return DEFAULT_MAX_AGE_DAYS;
  const days = Number(env);
  if (!(days > 0)) {
    throw new InputError(`expected a positive number of days, got "${env}"`, {
      source: 'BERTH_CATALOG_MAX_AGE_DAYS',
    });
  }
  return days;
}

// Compiled once, on first use: compiling costs a few ms that a CLI run that never loads shouldn't pay.
let cloudChecker: TypeCheck<typeof CloudFileSchema> | undefined;
let serverlessChecker: TypeCheck<typeof ServerlessFileSchema> | undefined;
const cloudCheck = () => {
  cloudChecker ??= TypeCompiler.Compile(CloudFileSchema);
  return cloudChecker;
};
const serverlessCheck = () => {
  serverlessChecker ??= TypeCompiler.Compile(ServerlessFileSchema);
  return serverlessChecker;
};

const MAX_CATALOG_FILE_BYTES = 64 * 1024 * 1024;

function readCatalogFile<T>(dir: string, name: string, check: TypeCheck<TSchema>): T {
  const file = join(dir, name);
  let text: string;
  try {
    // A catalog file is a few MiB; refuse one that would fill the memory before reading it.
    if (statSync(file).size > MAX_CATALOG_FILE_BYTES) {
      throw new InputError(
        `the catalog file is larger than ${MAX_CATALOG_FILE_BYTES / 1024 / 1024} MiB, far more than any cloud's price list`,
        { source: file },
      );
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof InputError) throw err;
    const code = err instanceof Error && 'code' in err ? String(err.code) : 'unreadable';
    throw new InputError(
      code === 'ENOENT'
        ? 'catalog file not found; build it with `npm run catalog:build` or point BERTH_CATALOG_DIR at it'
        : `cannot read the catalog file (${code})`,
      { source: file },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON (${err instanceof Error ? err.message : String(err)})`, {
      source: file,
    });
  }
  if (!check.Check(data)) {
    const first = check.Errors(data).First();
    throw new InputError(
      first ? `${first.message.toLowerCase()}, got ${JSON.stringify(first.value) ?? 'nothing'}` : 'invalid',
      {
        source: file,
        field: first ? jsonPath(first.path) : undefined,
      },
    );
  }
  return data as T;
}

function fileInfo(name: string, data: CloudFile | ServerlessFile): CatalogFileInfo {
  const info: CatalogFileInfo = {
    file: name,
    sources: data.sources,
    notes: data.notes,
    skipped: data.skipped,
  };
  if ('offerings' in data) {
    info.citations = Object.fromEntries(
      data.offerings.map((o) => [`${o.cloud}/${o.region}/${o.instanceType}`, o.citations]),
    );
  }
  return info;
}

function expandCloudFile(
  path: string,
  name: string,
  data: CloudFile,
  regions: ReadonlySet<string> | undefined,
  out: Offering[],
  tables: CatalogTable[],
): void {
  const bands: readonly Interruption[] = (data.interruptionBands ?? []).map((b) =>
    Object.freeze({ band: b.index, label: b.label, maxPct: b.maxPct }),
  );
  // One frozen GPU object per shape, shared by every offering of that shape.
  const gpus = new Map<string, Readonly<NonNullable<ShapeRow['gpu']>>>();
  for (const [type, shape] of Object.entries(data.shapes))
    if (shape.gpu) gpus.set(type, Object.freeze({ ...shape.gpu }));

  for (const [region, byCapacity] of Object.entries(data.regions)) {
    if (regions && !regions.has(region)) continue;
    for (const capacityType of CAPACITY_TYPES) {
      if (capacityType === 'serverless') continue;
      const table = byCapacity[capacityType];
      if (!table) continue;
      const where = `regions.${region}.${capacityType}`;
      const count = expandTable(
        path,
        where,
        data.cloud,
        region,
        capacityType,
        table,
        data.shapes,
        gpus,
        bands,
        out,
      );
      tables.push({
        file: name,
        cloud: data.cloud,
        region,
        capacityType,
        observedAt: table.observedAt,
        origin: table.origin,
        estimated: table.estimated,
        count,
      });
    }
  }
}

function expandTable(
  path: string,
  where: string,
  cloud: Cloud,
  region: string,
  capacityType: CapacityType,
  table: PriceTable,
  shapes: Readonly<Record<string, ShapeRow>>,
  gpus: ReadonlyMap<string, NonNullable<ShapeRow['gpu']>>,
  bands: readonly Interruption[],
  out: Offering[],
): number {
  const source: PriceSource = Object.freeze({
    kind: 'embedded',
    origin: table.origin,
    estimated: table.estimated,
  });
  // A shape copied from a sibling size makes the offering an estimate even when its price is real.
  const derivedSource: PriceSource = Object.freeze({
    kind: 'embedded',
    origin: table.origin,
    estimated: true,
  });
  let count = 0;
  for (const [instanceType, pricePerHour] of Object.entries(table.prices)) {
    const shape = shapes[instanceType];
    if (!shape) {
      throw new InputError(`no shape "${instanceType}" in shapes for this price`, {
        source: path,
        field: `${where}.prices.${instanceType}`,
      });
    }
    const offering: Offering = {
      id: offeringId({ cloud, region, instanceType, capacityType }),
      cloud,
      region,
      instanceType,
      family: shape.family,
      capacityType,
      cpu: shape.cpu,
      memoryMiB: shape.memoryMiB,
      arch: shape.arch,
      pricePerHour,
      source: shape.derivedShape ? derivedSource : source,
      observedAt: table.observedAt,
    };
    const gpu = gpus.get(instanceType);
    if (gpu) offering.gpu = gpu;
    const bandIndex = table.bands?.[instanceType];
    if (bandIndex !== undefined) {
      const band = bands[bandIndex];
      if (!band) {
        throw new InputError(`band ${bandIndex} is not in interruptionBands`, {
          source: path,
          field: `${where}.bands.${instanceType}`,
        });
      }
      offering.interruption = band;
    }
    if (shape.maxPods !== undefined) offering.maxPods = shape.maxPods;
    if (shape.burstable !== undefined) offering.burstable = shape.burstable;
    out.push(offering);
    count++;
  }
  return count;
}

/** A serverless platform as one offering: its headline size and price are its largest shape's. */
export function serverlessOffering(entry: ServerlessEntry): Offering {
  const largest = largestShape(entry);
  return {
    id: offeringId({ ...entry, capacityType: 'serverless' }),
    cloud: entry.cloud,
    region: entry.region,
    instanceType: entry.instanceType,
    family: entry.family,
    capacityType: 'serverless',
    cpu: largest.cpu,
    memoryMiB: largest.memoryMiB,
    arch: entry.arch,
    pricePerHour: largest.pricePerHour,
    serverless: {
      perVcpuHour: entry.perVcpuHour,
      perGiBHour: entry.perGiBHour,
      overhead: entry.overhead,
      shapes: entry.shapes,
    },
    source: { kind: 'embedded', origin: entry.origin, estimated: entry.estimated },
    observedAt: entry.observedAt,
  };
}

/**
 * One warning per file and date, however many tables share it: a stale
 * catalog should be noticed, not flood the terminal.
 */
export function warnIfStale(
  tables: readonly CatalogTable[],
  maxAgeDays: number,
  now: Date,
  warn: (message: string) => void,
): void {
  const groups = new Map<string, CatalogTable[]>();
  for (const t of tables) {
    const ageDays = (now.getTime() - Date.parse(t.observedAt)) / DAY_MS;
    if (!(ageDays > maxAgeDays)) continue;
    const key = `${t.file}\u0000${t.observedAt}`;
    const group = groups.get(key) ?? [];
    group.push(t);
    groups.set(key, group);
  }
  for (const group of groups.values()) {
    const first = group[0];
    if (!first) continue;
    const days = Math.floor((now.getTime() - Date.parse(first.observedAt)) / DAY_MS);
    const names = [...new Set(group.map((t) => `${t.region} ${t.instanceType ?? t.capacityType}`))];
    const what =
      names.length <= 3 ? names.join(', ') : `${names.slice(0, 3).join(', ')} and ${names.length - 3} more`;
    warn(
      `catalog ${first.file}: prices for ${what} are from ${first.observedAt.slice(0, 10)}, ${days} days old ` +
        `(limit ${maxAgeDays}); rebuild the catalog from newer sources or raise BERTH_CATALOG_MAX_AGE_DAYS`,
    );
  }
}
