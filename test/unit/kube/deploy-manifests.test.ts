import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

interface Rbac {
  kind: string;
  rules?: unknown[];
}

/** Helm template text as YAML: each `{{ ... }}` becomes a placeholder, lines that are only template logic go. */
function untemplate(text: string): string {
  return text
    .split('\n')
    .filter((line) => !/^\s*\{\{-?[^}]*-?\}\}\s*$/.test(line))
    .map((line) => line.replace(/\{\{-?[^}]*?-?\}\}/g, 'x'))
    .join('\n');
}

function rulesByKind(text: string): Record<string, unknown[]> {
  const out: Record<string, unknown[]> = {};
  for (const doc of parseAllDocuments(text)) {
    const o = doc.toJS() as Rbac | null;
    if (o?.rules) out[o.kind] = o.rules;
  }
  return out;
}

describe('deploy/', () => {
  it('the Helm chart grants exactly the rules of deploy/rbac.yaml', () => {
    const plain = rulesByKind(read('deploy/rbac.yaml'));
    const chart = rulesByKind(untemplate(read('deploy/helm/berth/templates/rbac.yaml')));
    expect(Object.keys(plain).sort()).toEqual(['ClusterRole', 'Role']);
    expect(chart).toEqual(plain);
  });

  it('the Deployment sets only environment variables that berth run reads', () => {
    const deployment = read('deploy/helm/berth/templates/deployment.yaml');
    const names = [...deployment.matchAll(/name: (BERTH_[A-Z_]+)/g)].map((m) => m[1] ?? '');
    expect(names.length).toBeGreaterThan(5);
    const sources = [read('src/cli/run.ts'), read('src/server/runtime.ts')].join('\n');
    // Read as env('BERTH_X', ...) or process.env.BERTH_X.
    for (const name of names) expect(sources, name).toMatch(new RegExp(`['.]${name}\\b`));
  });

  it('the image builds every top-level directory of runtime code and runs the build', () => {
    const dockerfile = read('deploy/Dockerfile');
    const copied = [...dockerfile.matchAll(/^COPY (\S+)/gm)].map((m) => m[1]);
    // bin/ is the development launcher (tsx); the image runs the compiled dist/.
    const notShipped = new Set(['test', 'node_modules', 'examples', 'deploy', 'coverage', 'dist', 'bin']);
    const codeDirs = readdirSync(root).filter(
      (d) =>
        !d.startsWith('.') &&
        !notShipped.has(d) &&
        statSync(new URL(d, root)).isDirectory() &&
        readdirSync(new URL(`${d}/`, root), { recursive: true }).some(
          (f) => String(f).endsWith('.ts') || String(f).endsWith('.js'),
        ),
    );
    for (const dir of codeDirs) expect(copied, dir).toContain(dir);
    expect(copied).toContain('deploy/crds');
    expect(dockerfile).toMatch(/^FROM node:20-slim AS build$/m);
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toContain('COPY --from=build /app/dist ./dist');
    expect(dockerfile).toContain('npm ci --omit=dev');
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/src/cli/main.js", "run"]');
  });
});
