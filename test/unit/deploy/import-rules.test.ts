/**
 * The folder table of the design ("may import"): arrows point down it, never
 * up. Read from the sources, so a new import against the table fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './import-graph.ts';

const root = fileURLToPath(repoRoot);

/** What the faces (commands, HTTP) and the wiring stand on. */
const BELOW_THE_FACES = [
  'src/model',
  'src/placement',
  'src/admission',
  'src/controller',
  'src/kube',
  'src/cost',
  'pricing',
  'providers',
  'policies',
];

/** What each folder may import of ours, besides itself; `'*'` is anything. */
const MAY_IMPORT: Record<string, readonly string[] | '*'> = {
  'src/model': [],
  'src/placement': ['src/model'],
  'src/admission': ['src/model', 'src/placement'],
  // Metrics, ledger and provider reach the controller through interfaces it owns (src/model, src/controller).
  'src/controller': ['src/model', 'src/placement', 'src/kube'],
  'src/kube': ['src/model'],
  'src/cost': ['src/model'],
  // Wiring: everything but the commands (it starts the HTTP server it wires).
  'src/runtime': [...BELOW_THE_FACES, 'src/server'],
  'src/cli': '*',
  'src/server': [...BELOW_THE_FACES, 'src/runtime'],
  'src/local-cluster': ['src/model'],
  pricing: ['src/model'],
  providers: ['src/model'],
  policies: ['src/model'],
};

/** The table's unit a path belongs to: `src/<folder>`, or a top-level folder. */
function unitOf(path: string): string {
  const [top, sub] = path.split('/');
  return top === 'src' ? `src/${sub}` : (top ?? path);
}

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* sources(path);
    else if (path.endsWith('.ts')) yield path;
  }
}

/** Every import of one unit by another in our sources: `from -> to` with the files that make it. */
function crossings(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const dir of ['src', 'pricing', 'providers', 'policies']) {
    for (const file of sources(dir)) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = normalize(join(dirname(file), fileName));
        const [from, to] = [unitOf(file), unitOf(target)];
        if (from === to) continue;
        const key = `${from} -> ${to}`;
        found.set(key, [...(found.get(key) ?? []), `${file} imports ${target}`]);
      }
    }
  }
  return found;
}

describe('the folder table of the design', () => {
  const found = crossings();

  it('knows every folder that imports another', () => {
    const units = new Set([...found.keys()].map((k) => k.split(' -> ')[0] ?? k));
    for (const unit of units) expect(Object.keys(MAY_IMPORT), unit).toContain(unit);
    // The reader really sees imports: the controller uses the model, the runtime wires the controller.
    expect(found.has('src/controller -> src/model')).toBe(true);
    expect(found.has('src/runtime -> src/controller')).toBe(true);
  });

  it('has no import against the table', () => {
    const against = [...found]
      .filter(([key]) => {
        const [from = '', to = ''] = key.split(' -> ');
        const allowed = MAY_IMPORT[from];
        return allowed !== '*' && !allowed?.includes(to);
      })
      .flatMap(([, files]) => files);
    expect(against).toEqual([]);
  });

  it('keeps policies, pricing and providers on the model alone, which holds what they share', () => {
    for (const unit of ['policies', 'pricing', 'providers']) {
      const targets = [...found.keys()]
        .filter((k) => k.startsWith(`${unit} -> `))
        .map((k) => k.split(' -> ')[1]);
      expect(targets, unit).toEqual(['src/model']);
    }
    const files = (key: string) => (found.get(key) ?? []).map((f) => f.split(' imports ')[1]);
    // Quantity parsing is the model's, not placement's; the AWS errors and retries are one module for both clouds' users.
    expect(files('policies -> src/model')).toContain('src/model/quantity.ts');
    for (const unit of ['pricing', 'providers']) {
      expect(files(`${unit} -> src/model`), unit).toContain('src/model/aws-retry.ts');
    }
  });

  it('keeps the controller off the HTTP server and the wiring', () => {
    const up = [...found]
      .filter(([key]) => /^src\/controller -> src\/(server|runtime|cli)$/.test(key))
      .flatMap(([, files]) => files);
    expect(up).toEqual([]);
  });
});
