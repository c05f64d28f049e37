/**
 * The files a module can load: its static imports and its dynamic imports of
 * a literal path, followed through our own sources. What a product entry
 * point reaches is what ships; anything else stays out of the image.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

export const repoRoot = new URL('../../../', import.meta.url);
export const repoPath = (url: URL) => relative(fileURLToPath(repoRoot), fileURLToPath(url));

export interface ImportGraph {
  /** Our files reached, as paths from the repository root. */
  files: Set<string>;
  /** npm packages imported by those files (node: built-ins left out). */
  packages: Set<string>;
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Walks from `entries` (paths from the repository root). */
export function importGraph(...entries: string[]): ImportGraph {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => new URL(e, repoRoot));
  for (let url = queue.shift(); url; url = queue.shift()) {
    const path = repoPath(url);
    if (files.has(path)) continue;
    files.add(path);
    const { importedFiles } = ts.preProcessFile(readFileSync(url, 'utf8'), true, true);
    for (const { fileName } of importedFiles) {
      if (fileName.startsWith('.')) queue.push(new URL(fileName, url));
      else if (!fileName.startsWith('node:')) packages.add(packageName(fileName));
    }
  }
  return { files, packages };
}
