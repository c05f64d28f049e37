import { copyFileSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePolicyDocuments } from '../../../policies/validate.ts';
import { extractPods, readInput } from '../../../src/cli/manifests.ts';
import { parseYamlDocuments, YAML_LIMITS } from '../../../src/model/yaml-documents.ts';
import { hasStack, runCli } from './run-cli.ts';
import { inputErrorOf } from '../../fixtures/input-error.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-hostile-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POD = 'apiVersion: v1\nkind: Pod\nmetadata: {name: fine}\nspec: {containers: [{name: c}]}\n';

/** Nine aliases per level, nine levels: 9^9 strings once expanded. */
function aliasBomb(): string {
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= 9; i++)
    lines.push(
      `a${i}: &a${i} [${Array(9)
        .fill(`*a${i - 1}`)
        .join(',')}]`,
    );
  return `${lines.join('\n')}\n`;
}

/** The hostile inputs, each as a second document after a valid Pod, with what the error must say. */
const HOSTILE: Record<string, { text: () => string; says: RegExp }> = {
  'an alias bomb': { text: aliasBomb, says: /document 2: .*alias bomb/ },
  'flow lists nested 100,000 deep': {
    text: () => `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    says: /document 2: nested more than 64 levels deep/,
  },
  'block maps nested 1,500 deep': {
    text: () => Array.from({ length: 1500 }, (_, i) => `${' '.repeat(i)}k:`).join('\n'),
    says: /document 2: nested (too deeply|more than 64 levels)/,
  },
  'a flow list of a million items': {
    text: () => `[${'1,'.repeat(1_000_000)}1]`,
    says: /document 2: more than 250000 values in one input/,
  },
  'a map of 200,000 keys': {
    text: () => Array.from({ length: 200_000 }, (_, i) => `k${i}: v`).join('\n'),
    says: /document 2: more than 250000 values in one input/,
  },
  'a file larger than the limit': {
    text: () => `x: ${'a'.repeat(YAML_LIMITS.maxBytes)}\n`,
    says: /larger than 4 MiB/,
  },
  '200,000 empty documents': {
    text: () => '---\n'.repeat(200_000),
    says: /document 10001: more than 10000 documents/,
  },
};

function write(name: string, text: string): string {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.yaml`);
  writeFileSync(file, `${POD}---\n${text}`);
  return file;
}

const inputError = inputErrorOf;

describe('hostile YAML input', () => {
  for (const [name, { text, says }] of Object.entries(HOSTILE)) {
    it(`${name}: berth quote -f names the file and the document, fast, in bounded memory, with no stack`, async () => {
      const file = write(name, text());
      // Under a 192 MiB heap: an input that got composed whole would run out of memory and crash.
      const r = await runCli(['quote', '-f', file], {
        nodeOptions: ['--max-old-space-size=192'],
        timeoutMs: 30_000,
      });
      expect(r.signal).toBeNull();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: /);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(says);
      expect(hasStack(r.stderr)).toBe(false);
      expect(r.ms).toBeLessThan(15_000);
    }, 40_000);
  }

  it('berth policy validate -f reads through the same guard (an alias bomb)', async () => {
    const file = join(dir, 'policy-bomb.yaml');
    writeFileSync(
      file,
      `apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: p}\nspec: {}\n---\n${aliasBomb()}`,
    );
    const r = await runCli(['policy', 'validate', '-f', file], { timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`${file} document 2: .*alias bomb`));
    expect(hasStack(r.stderr)).toBe(false);
  });

  it('parsePolicyDocuments and extractPods report a duplicate key, which the parser no longer checks itself', () => {
    const dup =
      'apiVersion: v1\nkind: Pod\nkind: Pod\nmetadata: {name: x}\nspec: {containers: [{name: c}]}\n';
    expect(inputError(() => extractPods(dup, 'p.yaml')).message).toContain(
      'p.yaml document 1: kind: the key "kind" appears twice in one map',
    );
    const policy = 'apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: p, name: q}\n';
    expect(inputError(() => parsePolicyDocuments(policy, 'q.yaml')).message).toContain(
      'q.yaml document 1: metadata.name: the key "name" appears twice in one map',
    );
  });

  it('a file with thousands of problems lists the first hundred and counts the rest', () => {
    const keys = Array.from({ length: 5000 }, (_, i) => `k${i}: 1`).join('\n');
    const policy = inputError(() => parsePolicyDocuments(keys, 'many.yaml')).message;
    const lines = policy.split('\n');
    expect(lines[0]).toMatch(/^many\.yaml: 50\d\d problems found:$/);
    expect(lines).toHaveLength(1 + 100 + 1);
    expect(lines.at(-1)).toMatch(/^ {2}\.\.\. and 49\d\d more$/);
    const kindless = Array.from({ length: 3000 }, (_, i) => `name: n${i}`).join('\n---\n');
    const pods = inputError(() => extractPods(kindless, 'pods.yaml')).message.split('\n');
    expect(pods[0]).toBe('pods.yaml: 3000 problems found:');
    expect(pods).toHaveLength(102);
    expect(pods.at(-1)).toBe('  ... and 2900 more');
  });

  it('keeps ordinary input whole: anchors used a few times, quotes and block scalars holding brackets', () => {
    const text = `${POD}---\nx: &r {cpu: "[1]"}\ny: [*r, *r]\nz: |\n  if [ -f x ]; then [[[ echo; fi\n`;
    const docs = parseYamlDocuments(text, 's');
    expect(docs.map((d) => d.errors)).toEqual([[], []]);
    expect(docs[1]?.value).toEqual({
      x: { cpu: '[1]' },
      y: [{ cpu: '[1]' }, { cpu: '[1]' }],
      z: 'if [ -f x ]; then [[[ echo; fi\n',
    });
  });

  it('a catalog directory with an oversized file is refused before it is read (catalog --catalog-dir)', async () => {
    const catalogDir = join(dir, 'catalog');
    mkdirSync(catalogDir);
    for (const f of ['aws.json', 'serverless.json']) {
      copyFileSync(new URL(`../../../pricing/catalog/${f}`, import.meta.url), join(catalogDir, f));
    }
    truncateSync(join(catalogDir, 'aws.json'), 70 * 1024 * 1024); // sparse: no disk, no memory
    const r = await runCli(['catalog', 'info', '--cloud', 'aws', '--catalog-dir', catalogDir], {
      nodeOptions: ['--max-old-space-size=192'],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `error: ${join(catalogDir, 'aws.json')}: the catalog file is larger than 64 MiB, far more than any cloud's price list\n`,
    );
  }, 30_000);

  it('readInput refuses a file over the limit before reading it, and names a missing one', () => {
    const big = join(dir, 'big.yaml');
    writeFileSync(big, 'a'.repeat(YAML_LIMITS.maxBytes + 1));
    expect(inputError(() => readInput(big)).message).toBe(
      `${big}: the input is larger than 4 MiB, the most berth reads from one file; split it`,
    );
    expect(inputError(() => readInput(join(dir, 'nope.yaml'))).message).toBe(
      `${join(dir, 'nope.yaml')}: no such file`,
    );
  });
});
