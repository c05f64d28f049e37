import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cloud, InputError } from '../../src/model/index.ts';
import { formatCatalogJson } from './format.ts';
import { catalogFileName } from './load.ts';
import { type CloudFile, CloudFileSchema } from './schema.ts';
import { checkAgainst } from './sources.ts';

/**
 * `berth catalog build --from <cloud>`'s file half, for every cloud: read
 * the cloud's catalog file (if any), let the cloud merge one live region
 * into it, check the result against the schema and only then write it.
 */
export interface RewriteResult {
  file: string;
  region: string;
  onDemand: number;
  spot: number;
  shapes: number;
  bytes: number;
}

const defaultCatalogDir = resolve(dirname(fileURLToPath(import.meta.url)));

function readCloudFile(file: string): CloudFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new InputError(
      `cannot read the catalog file (${err instanceof Error ? err.message : String(err)})`,
      {
        source: file,
      },
    );
  }
  return checkAgainst(CloudFileSchema, data, file);
}

export async function rewriteCatalogRegion(o: {
  cloud: Cloud;
  region: string;
  /** Where the file is read from; default the embedded catalog's directory. */
  catalogDir?: string | undefined;
  /** Where it is written; default `catalogDir`. */
  outDir?: string | undefined;
  merge: (existing: CloudFile | undefined) => Promise<CloudFile> | CloudFile;
}): Promise<RewriteResult> {
  const inDir = resolve(o.catalogDir ?? defaultCatalogDir);
  const outDir = resolve(o.outDir ?? inDir);
  const name = catalogFileName(o.cloud);
  const inFile = join(inDir, name);
  const existing = existsSync(inFile) ? readCloudFile(inFile) : undefined;
  const file = await o.merge(existing);
  checkAgainst(CloudFileSchema, file, join(outDir, name));
  const text = formatCatalogJson(file);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, name), text);
  const tables = file.regions[o.region];
  return {
    file: join(outDir, name),
    region: o.region,
    onDemand: Object.keys(tables?.['on-demand']?.prices ?? {}).length,
    spot: Object.keys(tables?.spot?.prices ?? {}).length,
    shapes: Object.keys(file.shapes).length,
    bytes: Buffer.byteLength(text),
  };
}
