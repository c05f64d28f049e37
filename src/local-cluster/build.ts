import { spawn } from 'node:child_process';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createInterface } from 'node:readline';
import { ClusterError } from './errors.ts';
import { binDir, cacheDir } from './paths.ts';
import { type Component, COMPONENTS, HELM, KARPENTER, type Tool, VERSIONS } from './versions.ts';

export type Binaries = Record<Component, string>;
export type Progress = (message: string) => void;

const KUBE_COMMANDS = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

/** Where each binary lives; the version is in the name so a new pin rebuilds. */
export function binaryPaths(): Binaries {
  const prebuilt = process.env.BERTH_BIN_DIR;
  const entries = COMPONENTS.map((c) => [
    c,
    prebuilt ? join(prebuilt, c) : join(binDir(), `${c}-${versionOf(c)}`),
  ]);
  return Object.fromEntries(entries) as Binaries;
}

function versionOf(c: Component): string {
  if (c === 'etcd') return VERSIONS.etcd;
  if (c === 'kwok') return VERSIONS.kwok;
  return VERSIONS.kubernetes;
}

/** Builds whatever is missing from the cache; a warm cache returns at once. */
export async function ensureBinaries(progress: Progress = () => {}): Promise<Binaries> {
  const paths = binaryPaths();
  const missing = COMPONENTS.filter((c) => !existsSync(paths[c]));
  if (missing.length === 0) return paths;
  await readyToBuild(missing[0]!, 'put the binaries there or unset BERTH_BIN_DIR to build them from source');
  const started = Date.now();
  progress(`building ${missing.join(', ')} from source into ${binDir()} (first run only)`);
  if (missing.includes('etcd')) await buildEtcd(paths.etcd, progress);
  if (missing.includes('kwok')) await buildKwok(paths.kwok, progress);
  if (KUBE_COMMANDS.some((c) => missing.includes(c))) await buildKubernetes(paths, progress);
  progress(`built in ${formatElapsed(Date.now() - started)}`);
  return paths;
}

/** Before a build: prebuilt binaries that lack `missing` are an error, not a build; Go must be there. */
async function readyToBuild(missing: Tool, hint: string): Promise<void> {
  if (process.env.BERTH_BIN_DIR) {
    throw new ClusterError(
      missing,
      `not found in BERTH_BIN_DIR (${process.env.BERTH_BIN_DIR})`,
      undefined,
      hint,
    );
  }
  await checkGo();
  await mkdir(binDir(), { recursive: true });
}

async function checkGo(): Promise<void> {
  try {
    const out = await capture('go', ['env', 'GOVERSION']);
    const [major, minor] = out.trim().replace(/^go/, '').split('.').map(Number);
    if ((major ?? 0) < 1 || (major === 1 && (minor ?? 0) < 26)) {
      throw new ClusterError(
        'go',
        `found ${out.trim()}, but Kubernetes ${VERSIONS.kubernetes} needs Go 1.26 or later`,
        undefined,
        'install Go 1.26 or later',
      );
    }
  } catch (err) {
    if (err instanceof ClusterError) throw err;
    throw new ClusterError(
      'go',
      'the Go toolchain was not found on PATH; it is needed once to build the local control plane',
      undefined,
      'install Go 1.26 or later (https://go.dev/doc/install), or point BERTH_BIN_DIR at prebuilt binaries',
    );
  }
}

function goEnv(): NodeJS.ProcessEnv {
  // Static binaries, and never swap in another toolchain behind the user's back.
  return { ...process.env, CGO_ENABLED: '0', GOTOOLCHAIN: 'local', GOFLAGS: '-mod=mod -buildvcs=false' };
}

async function buildEtcd(target: string, progress: Progress): Promise<void> {
  const dir = join(cacheDir(), 'build', `etcd-${VERSIONS.etcd}`);
  await mkdir(dir, { recursive: true });
  // etcd's own main package is internal to its repo; a two-line module calls the same entry point.
  await writeFile(
    join(dir, 'go.mod'),
    `module berth.local/etcd\n\ngo 1.26.0\n\nrequire go.etcd.io/etcd/server/v3 ${VERSIONS.etcd}\n`,
  );
  await writeFile(
    join(dir, 'main.go'),
    'package main\n\nimport (\n\t"os"\n\n\t"go.etcd.io/etcd/server/v3/etcdmain"\n)\n\nfunc main() { etcdmain.Main(os.Args) }\n',
  );
  const log = buildLog('etcd');
  await goStep('etcd', dir, ['mod', 'tidy'], log, progress, 'resolving modules');
  await goStep(
    'etcd',
    dir,
    ['build', '-v', '-trimpath', '-ldflags', '-s -w', '-o', `${target}.tmp`, '.'],
    log,
    progress,
    'compiling',
  );
  await rename(`${target}.tmp`, target);
}

async function buildKwok(target: string, progress: Progress): Promise<void> {
  await goInstall('kwok', `sigs.k8s.io/kwok/cmd/kwok@${VERSIONS.kwok}`, target, '', progress);
}

/**
 * Where helm is (or will be) built: beside the control plane in the cache,
 * the version in the name; BERTH_BIN_DIR, when set, holds a prebuilt one.
 */
export function helmPath(): string {
  const prebuilt = process.env.BERTH_BIN_DIR;
  return prebuilt ? join(prebuilt, 'helm') : join(binDir(), `helm-${HELM.version}`);
}

/** Builds helm from the Go module proxy once (a few minutes); a warm cache returns at once. */
export function ensureHelm(progress: Progress = () => {}): Promise<string> {
  return ensureGoTool(
    {
      tool: 'helm',
      target: helmPath(),
      pkgAtVersion: `${HELM.module}/cmd/helm@${HELM.version}`,
      ldflags: helmLdflags(),
      hint: 'put a helm v3 binary there or unset BERTH_BIN_DIR to build it from source',
    },
    progress,
  );
}

/** Karpenter's kwok provider, built from the Go module proxy once, for bench:karpenter. */
export function ensureKarpenterKwok(progress: Progress = () => {}): Promise<string> {
  const prebuilt = process.env.BERTH_BIN_DIR;
  return ensureGoTool(
    {
      tool: 'karpenter-kwok',
      target: prebuilt
        ? join(prebuilt, 'karpenter-kwok')
        : join(binDir(), `karpenter-kwok-${KARPENTER.version}`),
      pkgAtVersion: `${KARPENTER.module}/kwok@${KARPENTER.version}`,
      ldflags: '',
      hint: 'put the binary there or unset BERTH_BIN_DIR to build it from source',
    },
    progress,
  );
}

/** Where the pinned Karpenter module's source is (its CRDs), downloading it when missing. */
export async function karpenterSource(progress: Progress = () => {}): Promise<string> {
  await checkGo();
  const info = JSON.parse(
    await goStep(
      'karpenter-kwok',
      cacheDir(),
      ['mod', 'download', '-json', `${KARPENTER.module}@${KARPENTER.version}`],
      buildLog('karpenter-kwok'),
      progress,
      'downloading karpenter',
    ),
  ) as { Dir?: string };
  if (!info.Dir) throw new ClusterError('karpenter-kwok', 'go mod download returned no directory');
  return info.Dir;
}

/** A Go command built once into the cache by `go install`; a warm cache returns at once. */
async function ensureGoTool(
  o: { tool: Tool; target: string; pkgAtVersion: string; ldflags: string; hint: string },
  progress: Progress,
): Promise<string> {
  if (existsSync(o.target)) return o.target;
  await readyToBuild(o.tool, o.hint);
  const started = Date.now();
  progress(`building ${o.pkgAtVersion} from source into ${binDir()} (first run only)`);
  await goInstall(o.tool, o.pkgAtVersion, o.target, o.ldflags, progress);
  progress(`built in ${formatElapsed(Date.now() - started)}`);
  return o.target;
}

/** What helm's Makefile stamps: its version, and the cluster version it assumes without one. */
export function helmLdflags(): string {
  const [major, minor] = HELM.kubeVersion.replace(/^v/, '').split('.');
  return [
    `-X ${HELM.module}/internal/version.version=${HELM.version}`,
    `-X ${HELM.module}/internal/version.gitTreeState=clean`,
    ...['pkg/lint/rules', 'pkg/chartutil'].flatMap((pkg) => [
      `-X ${HELM.module}/${pkg}.k8sVersionMajor=${major}`,
      `-X ${HELM.module}/${pkg}.k8sVersionMinor=${minor}`,
    ]),
  ].join(' ');
}

/** `go install module/cmd@version` into a scratch GOBIN, then moved to `target` whole. */
async function goInstall(
  tool: Tool,
  pkgAtVersion: string,
  target: string,
  ldflags: string,
  progress: Progress,
): Promise<void> {
  const tmpBin = join(cacheDir(), 'build', `${basename(target)}.gobin`);
  await mkdir(tmpBin, { recursive: true });
  await goStep(
    tool,
    cacheDir(),
    ['install', '-v', '-trimpath', '-ldflags', `-s -w ${ldflags}`.trim(), pkgAtVersion],
    buildLog(tool),
    progress,
    'compiling',
    { GOBIN: tmpBin, GOFLAGS: '-buildvcs=false' },
  );
  const command = pkgAtVersion.slice(0, pkgAtVersion.indexOf('@')).split('/').pop() ?? tool;
  await rename(join(tmpBin, command), target);
}

/**
 * k8s.io/kubernetes points its staging modules at ./staging, which a module
 * consumer can't see; each is replaced by its published v0.X.Y twin.
 */
async function buildKubernetes(paths: Binaries, progress: Progress): Promise<void> {
  const version = VERSIONS.kubernetes;
  const dir = join(cacheDir(), 'build', `kubernetes-${version}`);
  await mkdir(dir, { recursive: true });
  const log = buildLog('kube-apiserver');
  const info = JSON.parse(
    await goStep(
      'kube-apiserver',
      dir,
      ['mod', 'download', '-json', `k8s.io/kubernetes@${version}`],
      log,
      progress,
      'downloading k8s.io/kubernetes',
    ),
  ) as { GoMod?: string };
  if (!info.GoMod) throw new ClusterError('kube-apiserver', 'go mod download returned no go.mod', log);
  const staging = stagingModules(await readFile(info.GoMod, 'utf8'));
  const twin = `v0.${version.slice('v1.'.length)}`;
  await writeFile(join(dir, 'go.mod'), kubernetesGoMod(version, staging, twin));
  await writeFile(
    join(dir, 'tools.go'),
    `//go:build tools\n\npackage tools\n\nimport (\n${KUBE_COMMANDS.map((c) => `\t_ "k8s.io/kubernetes/cmd/${c}"\n`).join('')})\n`,
  );
  await goStep('kube-apiserver', dir, ['mod', 'tidy'], log, progress, 'resolving modules');
  const out = join(dir, 'out');
  await rm(out, { recursive: true, force: true });
  await mkdir(out);
  await goStep(
    'kube-apiserver',
    dir,
    [
      'build',
      '-v',
      '-trimpath',
      '-ldflags',
      `-s -w ${versionLdflags(version)}`,
      '-o',
      `${out}/`,
      ...KUBE_COMMANDS.map((c) => `k8s.io/kubernetes/cmd/${c}`),
    ],
    log,
    progress,
    `compiling ${KUBE_COMMANDS.join(', ')}`,
  );
  for (const c of KUBE_COMMANDS) await rename(join(out, c), paths[c]);
}

/** The module paths k8s.io/kubernetes replaces with its ./staging directories. */
export function stagingModules(goMod: string): string[] {
  const found = [...goMod.matchAll(/^\s*(k8s\.io\/[\w.-]+)\s+=>\s+\.\/staging\//gm)].map((m) => m[1]!);
  return [...new Set(found)].sort();
}

export function kubernetesGoMod(version: string, staging: readonly string[], twin: string): string {
  const replaces = staging.map((m) => `\t${m} => ${m} ${twin}\n`).join('');
  return `module berth.local/kubernetes\n\ngo 1.26.0\n\nrequire k8s.io/kubernetes ${version}\n\nreplace (\n${replaces})\n`;
}

/** What the Kubernetes build scripts stamp, so `--version` tells the truth. */
export function versionLdflags(version: string): string {
  const [major, minor] = version.replace(/^v/, '').split('.');
  return ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']
    .flatMap((pkg) => [
      `-X ${pkg}.gitVersion=${version}`,
      `-X ${pkg}.gitMajor=${major}`,
      `-X ${pkg}.gitMinor=${minor}`,
      `-X ${pkg}.gitTreeState=clean`,
    ])
    .join(' ');
}

function buildLog(tool: Tool): string {
  return join(cacheDir(), 'logs', `build-${tool}.log`);
}

/** Runs one go command, streaming its output to the log and counting compiled packages as progress. */
async function goStep(
  component: Tool,
  cwd: string,
  args: string[],
  log: string,
  progress: Progress,
  what: string,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<string> {
  await mkdir(join(cacheDir(), 'logs'), { recursive: true });
  const logStream = createWriteStream(log, { flags: 'a' });
  logStream.write(`\n$ go ${args.join(' ')}\n`);
  const started = Date.now();
  let packages = 0;
  let lastReport = 0;
  const child = spawn('go', args, {
    cwd,
    env: { ...goEnv(), ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const lines = createInterface({ input: child.stderr });
  lines.on('line', (line) => {
    logStream.write(`${line}\n`);
    packages += 1;
    if (Date.now() - lastReport > 5000) {
      lastReport = Date.now();
      progress(`${component}: ${what}: ${packages} packages (${formatElapsed(Date.now() - started)})`);
    }
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  logStream.write(stdout);
  await new Promise<void>((resolve) => logStream.end(resolve));
  if (code !== 0) {
    throw new ClusterError(
      component,
      `go ${args[0]} failed (exit ${code}) while ${what}`,
      log,
      'read the end of the log; a network error means the Go module proxy was unreachable, so run again once it is',
    );
  }
  return stdout;
}

async function capture(cmd: string, args: string[]): Promise<string> {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const code = await new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (c) => resolve(c ?? 1));
  });
  if (code !== 0) throw new Error(`${cmd} exited ${code}`);
  return out;
}

export function formatElapsed(ms: number): string {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
}
