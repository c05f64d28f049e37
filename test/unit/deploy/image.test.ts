/**
 * The image ships only the product: dist/ holds what the CLI's entry point
 * reaches and nothing of the sandbox, the runtime dependencies are exactly
 * what that code imports, and the Dockerfile is pinned and runs dist/ with
 * plain node. (No container engine here: the Dockerfile is checked as text.)
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { registerUnavailable, sandboxCommand } from '../../../src/cli/sandbox.ts';
import { importGraph, repoPath, repoRoot } from './import-graph.ts';

const read = (path: string) => readFileSync(new URL(path, repoRoot), 'utf8');

/** The sandbox: the local control plane, each cloud's stand-ins, and the commands that drive them. */
const SANDBOX = [
  /^src\/local-cluster\//,
  /^providers\/sandbox\//,
  /^providers\/aws\/(registrar|simulation|moto-server|ec2-query-proxy|ec2-throttling-proxy)\.ts$/,
  /^providers\/azure\/(registrar|simulation|arm-server|azurite|retail-prices-server)\.ts$/,
  /^providers\/gcp\/(registrar|simulation|compute-server|billing-server)\.ts$/,
  /^src\/cli\/(demo|demo-clouds|cluster)\.ts$/,
];
const isSandbox = (file: string) => SANDBOX.some((re) => re.test(file));

/** The files `tsc -p tsconfig.build.json` compiles into dist/: its roots and all they import. */
function productBuildFiles(): string[] {
  const configPath = fileURLToPath(new URL('tsconfig.build.json', repoRoot));
  const { config, error } = ts.readConfigFile(configPath, ts.sys.readFile);
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(
    config,
    ts.sys,
    fileURLToPath(repoRoot),
    undefined,
    configPath,
  );
  const program = ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
  return program
    .getSourceFiles()
    .map((f) => f.fileName)
    .filter((f) => !f.includes('/node_modules/') && !f.endsWith('.d.ts'))
    .map((f) => repoPath(new URL(`file://${f}`)))
    .sort();
}

describe('the product build (dist/, the image)', () => {
  const product = importGraph('src/cli/main.ts');

  it('compiles what the CLI entry point reaches, and no sandbox module', () => {
    const built = productBuildFiles();
    expect(built).toEqual([...product.files].sort());
    expect(built).toContain('src/cli/run.ts');
    expect(built).toContain('providers/aws/provider.ts');
    expect(built.filter(isSandbox)).toEqual([]);
    // The walk does see the sandbox when it is imported: from the development launcher's view it is there.
    expect([...importGraph('src/cli/demo.ts').files].filter(isSandbox).length).toBeGreaterThan(3);
  }, 60_000); // a TypeScript program over the product and its packages' types

  it('depends at run time on exactly the packages the product imports; tsx is for development', () => {
    const pkg = JSON.parse(read('package.json')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
      scripts: Record<string, string>;
    };
    // Served to the browser from node_modules (the dashboard's charting library), not imported.
    const served = ['chart.js'];
    expect(read('src/server/dashboard.ts')).toContain("resolve('chart.js')");
    expect(Object.keys(pkg.dependencies).sort()).toEqual([...product.packages, ...served].sort());
    expect(pkg.devDependencies.tsx).toBeDefined();
    // The sandbox's own packages (certificates for the local control plane) stay with it.
    const sandboxOnly = importGraph('src/cli/cluster.ts', 'src/cli/demo.ts').packages;
    for (const p of sandboxOnly) {
      if (!product.packages.has(p)) expect(pkg.devDependencies[p], p).toBeDefined();
    }
    // Nothing the build copies beside the code belongs to the sandbox.
    expect(pkg.scripts.build).not.toMatch(/local-cluster|moto|registrar|demo/);
    expect(pkg.scripts.build).toContain('tsc -p tsconfig.build.json');
  });

  it('the image builds dist/ and runs it with plain node, on a pinned base image', () => {
    const dockerfile = read('deploy/Dockerfile');
    const froms = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] ?? '');
    expect(froms.length).toBe(2);
    for (const image of froms) {
      // By digest, or by an exact version (x.y.z): never a moving tag like node:20-slim.
      expect(image, image).toMatch(/@sha256:[0-9a-f]{64}$|^[^:@]+:\d+\.\d+\.\d+(-[\w.-]+)?$/);
    }
    expect(new Set(froms).size).toBe(1); // one base: what was built is what runs
    const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect([...runtime.matchAll(/^COPY (?!--from)(.*)$/gm)].map((m) => m[1])).toEqual([
      'package.json package-lock.json ./',
    ]);
    expect(runtime).toMatch(/^ENTRYPOINT \["node", "dist\/src\/cli\/main\.js", "run"\]$/m);
    const instructions = dockerfile.replace(/^#.*$/gm, '');
    expect(instructions).not.toMatch(/tsx|bin\/berth/);
  });

  it('the sandbox commands say they are not in the build rather than fail to load', async () => {
    const program = new Command('berth').exitOverride();
    registerUnavailable(program, 'demo');
    const err = await program.parseAsync(['node', 'berth', 'demo', '--provider', 'aws']).catch((e) => e);
    expect(err).toBeInstanceOf(Error);
    expect(String(err.message)).toMatch(/^berth demo: .*not in|leaves out/);
    expect(String(err.message)).toContain('source checkout');
    // From a source checkout the real command loads.
    const real = new Command('berth');
    (await sandboxCommand('cluster')).register(real);
    expect(real.commands.map((c) => c.name())).toEqual(['cluster']);
    expect(real.commands[0]?.commands.map((c) => c.name())).toContain('up');
  });
});
