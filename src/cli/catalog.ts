import type { Command } from 'commander';
import { type AzureFlags, parseEvictionRates } from './azure-flags.ts';
import { armOptions } from './azure-kit.ts';
import { type GcpFlags, gcpPricingFromFlags } from './gcp-flags.ts';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import {
  CloudAccessError,
  CAPACITY_TYPES,
  type CapacityType,
  type Catalog,
  CLOUDS,
  type Cloud,
  InputError,
  MiB,
  type Offering,
} from '../model/index.ts';
import { formatBytes, formatCpu } from '../model/quantity.ts';
import { formatTable, parseOutputFormat, printJson } from './output.ts';

/** `aws,gcp` or `aws`: a comma list of known clouds. */
export function parseClouds(value: string | undefined): Cloud[] | undefined {
  if (value === undefined) return undefined;
  const names = splitList(value);
  for (const n of names) {
    if (!(CLOUDS as readonly string[]).includes(n)) {
      throw new InputError(`unknown cloud "${n}"; expected ${CLOUDS.join(', ')}`, { field: '--cloud' });
    }
  }
  return names as Cloud[];
}

export function parseCapacityTypes(value: string | undefined): CapacityType[] | undefined {
  if (value === undefined) return undefined;
  const names = splitList(value);
  for (const n of names) {
    if (!(CAPACITY_TYPES as readonly string[]).includes(n)) {
      throw new InputError(`unknown capacity type "${n}"; expected ${CAPACITY_TYPES.join(', ')}`, {
        field: '--capacity-type',
      });
    }
  }
  return names as CapacityType[];
}

export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * A shell-style pattern (`m5.*`, `Standard_D?s_v5`) matched against the
 * whole instance type, ignoring case: people type `standard_d2s_v5` too.
 */
export function instanceTypeMatcher(pattern: string | undefined): (type: string) => boolean {
  if (pattern === undefined || pattern === '') return () => true;
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`, 'i');
  return (type) => re.test(type);
}

function formatPrice(usd: number): string {
  return usd < 0.01 ? usd.toFixed(5) : usd.toFixed(4);
}

function formatGpu(o: Offering): string {
  return o.gpu ? `${o.gpu.count}x ${o.gpu.model}` : '-';
}

function formatSource(o: Offering): string {
  return o.source.estimated ? `${o.source.kind}, estimated` : o.source.kind;
}

export const LIST_HEADER = [
  'CLOUD',
  'REGION',
  'ZONE',
  'TYPE',
  'CAPACITY',
  'CPU',
  'MEMORY',
  'ARCH',
  'GPU',
  '$/H',
  'SOURCE',
] as const;

export function offeringRow(o: Offering): string[] {
  return [
    o.cloud,
    o.region,
    o.zone ?? '-',
    o.instanceType,
    o.capacityType,
    formatCpu(o.cpu),
    formatBytes(o.memoryMiB * MiB),
    o.arch,
    formatGpu(o),
    formatPrice(o.pricePerHour),
    formatSource(o),
  ];
}

/** Cloud, region, capacity type, then cheapest first: the order a person scans a price list in. */
export function listOrder(a: Offering, b: Offering): number {
  return (
    CLOUDS.indexOf(a.cloud) - CLOUDS.indexOf(b.cloud) ||
    (a.region < b.region ? -1 : a.region > b.region ? 1 : 0) ||
    CAPACITY_TYPES.indexOf(a.capacityType) - CAPACITY_TYPES.indexOf(b.capacityType) ||
    a.pricePerHour - b.pricePerHour ||
    (a.instanceType < b.instanceType ? -1 : a.instanceType > b.instanceType ? 1 : 0)
  );
}

interface CommonOptions {
  cloud?: string;
  region?: string;
  output: string;
  catalogDir?: string;
}

function load(opts: CommonOptions): Catalog {
  const regions = opts.region === undefined ? undefined : splitList(opts.region);
  return loadCatalog({ dir: opts.catalogDir, clouds: parseClouds(opts.cloud), regions });
}

function printInfo(catalog: Catalog): void {
  const { metadata } = catalog;
  const out: string[] = [`catalog: ${metadata.dir}`, '', 'sources:'];
  const sourceRows: string[][] = [];
  for (const f of metadata.files) {
    for (const s of f.sources) {
      sourceRows.push([
        f.file,
        `${s.repo}@${s.commit.slice(0, 12)}`,
        s.path,
        s.license,
        s.dataDate.slice(0, 10),
      ]);
    }
  }
  out.push(formatTable(['FILE', 'ORIGIN', 'PATH', 'LICENSE', 'DATA DATE'], sourceRows));
  // Serverless rates name no repository: what they rest on is the public pages they were quoted from.
  const loaded = new Set(metadata.tables.map((t) => `${t.cloud}/${t.region}/${t.instanceType ?? ''}`));
  const cited = metadata.files
    .flatMap((f) => Object.entries(f.citations ?? {}))
    .filter(([key]) => loaded.has(key));
  if (cited.length > 0) {
    out.push('', 'serverless rates cited from:');
    for (const [key, citations] of cited) out.push(`  ${key}: ${citations.join('; ')}`);
  }
  out.push('', 'tables:');
  out.push(
    formatTable(
      ['CLOUD', 'REGION', 'CAPACITY', 'OFFERINGS', 'OBSERVED', 'ESTIMATED', 'ORIGIN'],
      metadata.tables.map((t) => [
        t.cloud,
        t.region,
        t.instanceType ? `${t.capacityType} (${t.instanceType})` : t.capacityType,
        String(t.count),
        t.observedAt.slice(0, 10),
        t.estimated ? 'yes' : 'no',
        t.origin,
      ]),
    ),
  );
  const perCloud = new Map<string, number>();
  for (const o of catalog.offerings) perCloud.set(o.cloud, (perCloud.get(o.cloud) ?? 0) + 1);
  out.push(
    '',
    `offerings: ${catalog.offerings.length} (${[...perCloud].map(([c, n]) => `${c} ${n}`).join(', ')})`,
    '',
    'left out by the builder:',
  );
  for (const f of metadata.files) {
    for (const [reason, names] of Object.entries(f.skipped ?? {})) {
      out.push(`  ${f.file}: ${reason}: ${names.length}`);
    }
  }
  out.push('', 'notes:');
  for (const f of metadata.files) for (const n of f.notes) out.push(`  ${f.file}: ${n}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

interface BuildOptions extends AzureFlags, GcpFlags {
  from: string;
  region: string;
  pricingEndpoint?: string;
  ec2Endpoint?: string;
  catalogDir?: string;
  out?: string;
  output: string;
}

export function register(program: Command): void {
  const catalog = program.command('catalog').description('the embedded, offline price catalog');
  const common = (cmd: Command) =>
    cmd
      .option('--cloud <clouds>', `only these clouds, comma-separated (${CLOUDS.join(', ')})`)
      .option('--region <regions>', 'only these regions, comma-separated')
      .option('-o, --output <format>', 'table or json', 'table')
      .option('--catalog-dir <dir>', 'read the catalog files from here (default: the embedded catalog)');

  common(catalog.command('list'))
    .description('every offering the placement engine sees')
    .option('--capacity-type <types>', `only these capacity types (${CAPACITY_TYPES.join(', ')})`)
    .option('--instance-type <pattern>', 'only instance types matching this pattern (* and ? wildcards)')
    .action((opts: CommonOptions & { capacityType?: string; instanceType?: string }) => {
      const format = parseOutputFormat(opts.output);
      const capacity = parseCapacityTypes(opts.capacityType);
      const matches = instanceTypeMatcher(opts.instanceType);
      const offerings = load(opts)
        .offerings.filter((o) => (!capacity || capacity.includes(o.capacityType)) && matches(o.instanceType))
        .sort(listOrder);
      if (format === 'json') {
        printJson(offerings);
        return;
      }
      if (offerings.length === 0) {
        process.stderr.write('no offerings match\n');
        return;
      }
      process.stdout.write(`${formatTable(LIST_HEADER, offerings.map(offeringRow))}\n`);
    });

  common(catalog.command('info'))
    .description('where the catalog comes from: sources, dates, counts per cloud and region')
    .action((opts: CommonOptions) => {
      const format = parseOutputFormat(opts.output);
      const loaded = load(opts);
      if (format === 'json') {
        printJson({ ...loaded.metadata, offerings: loaded.offerings.length });
        return;
      }
      printInfo(loaded);
    });

  catalog
    .command('build')
    .description("rewrite one region of a cloud's catalog file from its live price APIs (aws, azure, gcp)")
    .requiredOption('--from <cloud>', 'the cloud to fetch from (aws, azure, gcp)')
    .requiredOption('--region <region>', 'the region to rebuild, e.g. us-east-1')
    .option(
      '--pricing-endpoint <url>',
      'aws: Price List Query API endpoint (default: the nearest AWS one); azure: Retail Prices API endpoint',
    )
    .option(
      '--azure-subscription <id>',
      'azure: subscription whose resource SKUs (sizes, zones, restrictions) to read',
    )
    .option('--azure-eviction-rates <json|@file>', 'azure: size -> eviction-rate band for spot')
    .option('--azure-endpoint <url>', 'azure: Resource Manager endpoint override (a local stand-in)')
    .option('--azure-endpoint-ca <file>', 'azure: PEM CA to trust for --azure-endpoint')
    .option('--ec2-endpoint <url>', 'EC2 endpoint (default: the one of the region)')
    .option('--gcp-project <id>', 'gcp: project whose machine types are listed')
    .option('--gcp-endpoint <url>', 'gcp: Compute Engine API endpoint override (a local server)')
    .option('--gcp-billing-endpoint <url>', 'gcp: Cloud Billing API endpoint override (a local server)')
    .option('--gcp-api-key <key>', 'gcp: an API key instead of Application Default Credentials')
    .option('--gcp-spot-band <0-4>', 'gcp: interruption band written for spot (default 2, 10-15%)')
    .option('--catalog-dir <dir>', 'read the catalog file from here (default: the embedded catalog)')
    .option('--out <dir>', 'write the catalog file here (default: where it was read)')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: BuildOptions) => {
      const format = parseOutputFormat(opts.output);
      if (opts.from !== 'aws' && opts.from !== 'azure' && opts.from !== 'gcp') {
        throw new InputError(`expected aws, azure or gcp, got "${opts.from}"`, { field: '--from' });
      }
      const common = {
        region: opts.region,
        ...(opts.catalogDir ? { catalogDir: opts.catalogDir } : {}),
        ...(opts.out ? { outDir: opts.out } : {}),
        signal: AbortSignal.timeout(15 * 60_000),
        onWarning: (m: string) => process.stderr.write(`warning: ${m}\n`),
      };
      try {
        // Loaded here: the cloud SDKs are only for this command, not for list and info.
        const result =
          opts.from === 'azure'
            ? await buildFromAzure(opts, common)
            : opts.from === 'gcp'
              ? await buildFromGcp(opts, common)
              : await buildFromAws(opts, common);
        if (format === 'json') {
          printJson(result);
          return;
        }
        process.stdout.write(
          `${result.file}: ${result.region} rebuilt, ${result.onDemand} on-demand and ${result.spot} spot prices, ` +
            `${result.shapes} shapes, ${(result.bytes / 1024).toFixed(0)} KiB\n`,
        );
      } catch (err) {
        if (!(err instanceof CloudAccessError)) throw err;
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = 1;
      }
    });
}

interface BuildCommon {
  region: string;
  catalogDir?: string;
  outDir?: string;
  signal: AbortSignal;
  onWarning: (message: string) => void;
}

async function buildFromAws(opts: BuildOptions, common: BuildCommon) {
  const { buildAwsCatalogFromLive } = await import('../../pricing/aws/catalog-build.ts');
  return buildAwsCatalogFromLive({
    ...common,
    ...(opts.pricingEndpoint ? { pricingEndpoint: opts.pricingEndpoint } : {}),
    ...(opts.ec2Endpoint ? { ec2Endpoint: opts.ec2Endpoint } : {}),
  });
}

async function buildFromAzure(opts: BuildOptions, common: BuildCommon) {
  const evictionRates = parseEvictionRates(opts.azureEvictionRates);
  const [{ buildAzureCatalogFromLive }, { computeClient }] = await Promise.all([
    import('../../pricing/azure/catalog-build.ts'),
    import('../../providers/azure/clients.ts'),
  ]);
  return buildAzureCatalogFromLive({
    ...common,
    compute: computeClient(armOptions(opts)),
    ...(opts.pricingEndpoint ? { retailEndpoint: opts.pricingEndpoint } : {}),
    ...(evictionRates ? { evictionRates } : {}),
  });
}

async function buildFromGcp(opts: BuildOptions, common: BuildCommon) {
  const options = gcpPricingFromFlags(opts);
  const { buildGcpCatalogFromLive } = await import('../../pricing/gcp/catalog-build.ts');
  return buildGcpCatalogFromLive({ ...common, ...options });
}
