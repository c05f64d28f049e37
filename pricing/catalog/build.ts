/**
 * Builds the embedded catalog (aws.json, gcp.json, azure.json,
 * serverless.json in this directory) from the catalog sources.
 *
 *   npm run catalog:build [-- --sources DIR] [-- --out DIR]
 *
 * Sources: --sources, else $BERTH_CATALOG_SOURCES, else ../shared/catalog-sources
 * relative to the repository root. The output depends only on the sources,
 * so rebuilding unchanged sources leaves the committed files unchanged.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { TSchema } from '@sinclair/typebox';
import { InputError } from '../../src/model/index.ts';
import { buildAwsCatalog } from './convert/aws.ts';
import { buildAzureCatalog } from './convert/azure.ts';
import { buildGcpCatalog } from './convert/gcp.ts';
import { buildServerlessCatalog } from './convert/serverless.ts';
import { formatCatalogJson } from './format.ts';
import { CloudFileSchema, ServerlessFileSchema } from './schema.ts';
import {
  AwsInstanceTypesSchema,
  AwsOfferingsSchema,
  AwsOnDemandSchema,
  AwsSpotAdvisorSchema,
  AzurePricesSchema,
  AzureVmSizesSchema,
  checkAgainst,
  GcpMachineTypesSchema,
  GcpPricesSchema,
  readSource,
  ServerlessRatesSchema,
} from './sources.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

/** A path someone typed is relative to where they are; the default is relative to the repository. */
function resolveSourcesDir(flag: string | undefined): string {
  const given = flag ?? process.env.BERTH_CATALOG_SOURCES;
  if (given) return isAbsolute(given) ? given : resolve(process.cwd(), given);
  return resolve(repoRoot, '..', 'shared', 'catalog-sources');
}

function writeChecked(outDir: string, name: string, schema: TSchema, data: unknown): number {
  // The loader validates against the same schema; failing here keeps a bad file out of git.
  checkAgainst(schema, data, name);
  const text = formatCatalogJson(data);
  writeFileSync(join(outDir, name), text);
  return Buffer.byteLength(text);
}

function countRows(regions: Record<string, Record<string, { prices: Record<string, number> } | undefined>>) {
  let rows = 0;
  for (const tables of Object.values(regions)) {
    for (const t of Object.values(tables)) rows += Object.keys(t?.prices ?? {}).length;
  }
  return rows;
}

function main(): void {
  const { values } = parseArgs({
    options: {
      sources: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(
      'usage: npm run catalog:build [-- --sources DIR] [-- --out DIR]\n' +
        '  --sources DIR  catalog sources (default $BERTH_CATALOG_SOURCES or ../shared/catalog-sources from the repo root)\n' +
        '  --out DIR      where to write the catalog files (default pricing/catalog)\n',
    );
    return;
  }
  const src = resolveSourcesDir(values.sources);
  const outDir = values.out ? resolve(values.out) : here;
  mkdirSync(outDir, { recursive: true });

  const aws = buildAwsCatalog({
    onDemand: readSource(src, 'aws/ondemand-prices.json', AwsOnDemandSchema),
    spotAdvisor: readSource(src, 'aws/spot-advisor.json', AwsSpotAdvisorSchema),
    types: readSource(src, 'aws/instance-types.json', AwsInstanceTypesSchema),
    offerings: readSource(src, 'aws/instance-type-offerings.json', AwsOfferingsSchema),
  });
  const gcp = buildGcpCatalog({
    prices: readSource(src, 'gcp/prices.json', GcpPricesSchema),
    machineTypes: readSource(src, 'gcp/machine-types.json', GcpMachineTypesSchema),
  });
  const azure = buildAzureCatalog({
    prices: readSource(src, 'azure/ondemand-prices.json', AzurePricesSchema),
    vmSizes: readSource(src, 'azure/vm-sizes.json', AzureVmSizesSchema),
  });
  const serverless = buildServerlessCatalog(readSource(src, 'serverless/rates.json', ServerlessRatesSchema));

  const lines: string[] = [];
  for (const file of [aws, gcp, azure]) {
    const bytes = writeChecked(outDir, `${file.cloud}.json`, CloudFileSchema, file);
    lines.push(
      `${file.cloud}.json: ${Object.keys(file.shapes).length} shapes, ${Object.keys(file.regions).length} regions, ` +
        `${countRows(file.regions)} price rows, ${(bytes / 1024).toFixed(0)} KiB`,
    );
  }
  const bytes = writeChecked(outDir, 'serverless.json', ServerlessFileSchema, serverless);
  lines.push(`serverless.json: ${serverless.offerings.length} offerings, ${(bytes / 1024).toFixed(0)} KiB`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

try {
  main();
} catch (err) {
  if (err instanceof InputError) {
    process.stderr.write(`error: ${err.message}\n`);
    process.exitCode = 1;
  } else {
    throw err;
  }
}
