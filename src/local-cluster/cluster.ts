import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Binaries, ensureBinaries, type Progress } from './build.ts';
import { ClusterError } from './errors.ts';
import { kubeconfigYaml } from './kubeconfig.ts';
import { stateDir, stateRoot } from './paths.ts';
import { type ClusterPki, generatePki } from './pki.ts';
import { freePorts } from './ports.ts';
import { probe, type TlsClient } from './probe.ts';
import { readJsonState, StateFileUnreadableError, writeJsonAtomic } from './state-file.ts';
import {
  hintFor,
  isOurs,
  pidAlive,
  logTail,
  type ProcessRecord,
  type Started,
  sleep,
  startProcess,
  stopProcess,
} from './processes.ts';
import type { Component } from './versions.ts';

const here = dirname(fileURLToPath(import.meta.url));
const SERVICE_CIDR = '10.96.0.0/16';
const SERVICE_IP = '10.96.0.1';
/** Nodes with this annotation are run by kwok; everything else is left alone. */
export const KWOK_NODE_SELECTOR = 'kwok.x-k8s.io/node=fake';

export interface ClusterState {
  name: string;
  dir: string;
  kubeconfig: string;
  server: string;
  /** The process that owns a test cluster; when it dies, the guardian tears the cluster down. */
  ownerPid?: number;
  startedAt: string;
  health: Record<Component, string>;
  processes: ProcessRecord[];
}

export interface StartOptions {
  name?: string;
  progress?: Progress;
  /** Tear the cluster down when this process exits, even by a crash or SIGKILL. */
  ownedByThisProcess?: boolean;
  readyTimeoutMs?: number;
}

export interface ComponentStatus {
  component: Component;
  pid: number;
  running: boolean;
  healthy: boolean;
  log: string;
}

/**
 * Starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and kwok
 * on free loopback ports, with RBAC on and credentials generated here. `up` on
 * a cluster that is already healthy returns it as it is.
 */
export async function startCluster(options: StartOptions = {}): Promise<ClusterState> {
  const name = options.name ?? 'berth';
  const progress = options.progress ?? (() => {});
  await reapAbandoned();
  const existing = await readState(name);
  if (existing) {
    const statuses = await clusterStatus(existing);
    if (statuses.every((s) => s.running && s.healthy)) return existing;
    progress(`cluster "${name}" is partly down; restarting it`);
    await stopCluster(existing);
  }
  const binaries = await ensureBinaries(progress);
  const dir = stateDir(name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'logs'), { recursive: true });

  const pki = await generatePki(
    [
      { name: 'admin', user: 'berth-admin', groups: ['system:masters'] },
      { name: 'kube-controller-manager', user: 'system:kube-controller-manager', groups: [] },
      { name: 'kube-scheduler', user: 'system:kube-scheduler', groups: [] },
      { name: 'kwok', user: 'kwok', groups: ['system:masters'] },
    ],
    SERVICE_IP,
  );
  const files = await writePki(dir, pki);
  const [etcdPort, peerPort, apiPort, cmPort, schedPort, kwokPort] = (await freePorts(6)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const server = `https://127.0.0.1:${apiPort}`;
  const kubeconfigs: Record<string, string> = {};
  for (const client of Object.keys(pki.clients)) {
    const path = join(dir, client === 'admin' ? 'kubeconfig' : `${client}.kubeconfig`);
    await writeFile(path, kubeconfigYaml(`berth-${name}`, server, pki.ca.certPem, pki.clients[client]!), {
      mode: 0o600,
    });
    kubeconfigs[client] = path;
  }
  const stagesFile = join(dir, 'kwok-stages.yaml');
  await copyFile(join(here, 'kwok-stages.yaml'), stagesFile);

  const state: ClusterState = {
    name,
    dir,
    kubeconfig: kubeconfigs.admin!,
    server,
    ownerPid: options.ownedByThisProcess ? process.pid : undefined,
    startedAt: new Date().toISOString(),
    health: {
      etcd: `http://127.0.0.1:${etcdPort}/health`,
      'kube-apiserver': `${server}/readyz`,
      'kube-controller-manager': `https://127.0.0.1:${cmPort}/healthz`,
      'kube-scheduler': `https://127.0.0.1:${schedPort}/healthz`,
      kwok: `http://127.0.0.1:${kwokPort}/healthz`,
    },
    processes: [],
  };
  const admin: TlsClient = {
    ca: pki.ca.certPem,
    cert: pki.clients.admin!.certPem,
    key: pki.clients.admin!.keyPem,
  };
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  const running: Started[] = [];
  const start = async (component: Component, args: string[]) => {
    const started = startProcess(component, binaries[component], args, join(dir, 'logs', `${component}.log`));
    running.push(started);
    state.processes.push(started.record);
    await writeState(state); // record the PID before anything else can fail
    return started;
  };
  try {
    await writeState(state);
    if (options.ownedByThisProcess) startGuardian(state);
    progress('starting etcd');
    const etcd = await start('etcd', etcdArgs(dir, etcdPort, peerPort));
    await waitHealthy(etcd, state.health.etcd, {}, deadline);

    progress('starting kube-apiserver');
    const apiserver = await start('kube-apiserver', apiserverArgs(files, etcdPort, apiPort));
    await waitHealthy(apiserver, state.health['kube-apiserver'], admin, deadline);

    progress('starting kube-controller-manager, kube-scheduler and kwok');
    const rest = await Promise.all([
      start(
        'kube-controller-manager',
        controllerManagerArgs(kubeconfigs['kube-controller-manager']!, files, cmPort),
      ),
      start('kube-scheduler', schedulerArgs(kubeconfigs['kube-scheduler']!, schedPort)),
      start('kwok', kwokArgs(kubeconfigs.kwok!, stagesFile, kwokPort)),
    ]);
    await Promise.all(
      rest.map((p) => waitHealthy(p, state.health[p.record.component], { insecure: true }, deadline)),
    );
    return state;
  } catch (err) {
    await stopCluster(state);
    throw err;
  }
}

/** Stops every process the cluster started (by recorded PID) and removes its state. */
export async function stopCluster(state: ClusterState): Promise<void> {
  // Reverse order: clients first, etcd last, so nothing logs a storm of connection errors.
  await Promise.all(state.processes.filter((p) => p.component !== 'etcd').map((p) => stopProcess(p)));
  await Promise.all(state.processes.filter((p) => p.component === 'etcd').map((p) => stopProcess(p)));
  const left = state.processes.filter(isOurs);
  if (left.length > 0) {
    throw new ClusterError(
      'cluster',
      `could not stop ${left.map((p) => `${p.component} (pid ${p.pid})`).join(', ')}`,
      undefined,
      'stop them by hand with kill -9 <pid>',
    );
  }
  await rm(state.dir, { recursive: true, force: true });
}

/**
 * Kills one component with SIGKILL, as a crash would, waits `downMs`, and
 * starts it again with the same binary, arguments (so the same ports) and
 * log; the new PID goes into the state. Resolves once it is healthy, with
 * when it was killed and when it answered again. For fault tests.
 */
export async function restartComponent(
  state: ClusterState,
  component: Component,
  options: { downMs?: number; readyTimeoutMs?: number } = {},
): Promise<{ killedAt: number; readyAt: number }> {
  const index = state.processes.findIndex((p) => p.component === component);
  const old = state.processes[index];
  if (!old?.args) {
    throw new ClusterError(
      component,
      'no recorded arguments to restart it with',
      undefined,
      'recreate the cluster',
    );
  }
  if (isOurs(old)) process.kill(old.pid, 'SIGKILL');
  await stopProcess(old, 5_000); // returns once it has exited
  const killedAt = Date.now();
  if (options.downMs) await sleep(options.downMs);
  const started = startProcess(component, old.binary, old.args, old.log);
  state.processes[index] = started.record;
  await writeState(state);
  const tls =
    component === 'kube-apiserver'
      ? await readAdminTls(state)
      : component === 'etcd'
        ? {}
        : { insecure: true };
  await waitHealthy(started, state.health[component], tls, Date.now() + (options.readyTimeoutMs ?? 60_000));
  return { killedAt, readyAt: Date.now() };
}

export async function clusterStatus(state: ClusterState): Promise<ComponentStatus[]> {
  const admin = await readAdminTls(state);
  return Promise.all(
    state.processes.map(async (p) => {
      const running = isOurs(p);
      const tls = p.component === 'kube-apiserver' ? admin : { insecure: true };
      const healthy = running && (await probe(state.health[p.component], tls)) !== undefined;
      return { component: p.component, pid: p.pid, running, healthy, log: p.log };
    }),
  );
}

function isClusterState(value: unknown): value is ClusterState {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.name === 'string' && typeof v.dir === 'string' && Array.isArray(v.processes);
}

/**
 * The cluster's recorded state; undefined when it has none (not running).
 * A state file that exists but cannot be read throws StateFileUnreadableError
 * naming the file and the PIDs it still names.
 */
export function readState(name: string): Promise<ClusterState | undefined> {
  return readJsonState(join(stateDir(name), 'state.json'), isClusterState);
}

/** Atomic and queued per file (see state-file.ts): concurrent starts never splice two states together. */
export function writeState(state: ClusterState): Promise<void> {
  return writeJsonAtomic(join(state.dir, 'state.json'), state);
}

/** Test clusters whose owner died without cleaning up (e.g. SIGKILL) are stopped here. */
async function reapAbandoned(): Promise<void> {
  if (!existsSync(stateRoot())) return;
  for (const name of await readdir(stateRoot())) {
    // A cluster whose state can't be read is reported by its own `status` and `down`, not here.
    const state = await readState(name).catch((err: unknown) => {
      if (err instanceof StateFileUnreadableError) return undefined;
      throw err;
    });
    if (state?.ownerPid !== undefined && !pidAlive(state.ownerPid)) await stopCluster(state);
  }
}

/**
 * A small detached watcher: when the owning process is gone (finished,
 * Ctrl-C, crash or SIGKILL), it stops the cluster by its recorded PIDs.
 */
function startGuardian(state: ClusterState): void {
  // From the sources the guardian runs through tsx; from a build (dist/) it is plain JavaScript.
  const compiled = import.meta.url.endsWith('.js');
  const entry = compiled ? [join(here, 'guardian.js')] : ['--import', 'tsx', join(here, 'guardian.ts')];
  const guardian = spawn(process.execPath, [...entry, String(process.pid), state.name], {
    detached: true,
    stdio: 'ignore',
    env: process.env,
    cwd: join(here, '..', '..'),
  });
  guardian.unref();
}

async function waitHealthy(started: Started, url: string, tls: TlsClient, deadline: number): Promise<void> {
  const { component, log } = started.record;
  let exitCode: number | null | undefined;
  void started.exited.then((code) => {
    exitCode = code;
  });
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      const tail = logTail(log);
      throw new ClusterError(
        component,
        `exited early (code ${exitCode}):\n${indent(tail)}`,
        log,
        hintFor(tail),
      );
    }
    if ((await probe(url, tls, 1000)) !== undefined) return;
    await sleep(150);
  }
  throw new ClusterError(component, `not healthy at ${url} in time`, log, hintFor(logTail(log)));
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

async function readAdminTls(state: ClusterState): Promise<TlsClient> {
  const pki = join(state.dir, 'pki');
  const read = (f: string) => readFile(join(pki, f), 'utf8').catch(() => undefined);
  return { ca: await read('ca.crt'), cert: await read('admin.crt'), key: await read('admin.key') };
}

interface PkiFiles {
  ca: string;
  apiserverCert: string;
  apiserverKey: string;
  saPub: string;
  saKey: string;
}

async function writePki(dir: string, pki: ClusterPki): Promise<PkiFiles> {
  const pkiDir = join(dir, 'pki');
  await mkdir(pkiDir, { recursive: true, mode: 0o700 });
  const put = async (file: string, content: string) => {
    await writeFile(join(pkiDir, file), content, { mode: 0o600 });
    return join(pkiDir, file);
  };
  const files: PkiFiles = {
    ca: await put('ca.crt', pki.ca.certPem),
    apiserverCert: await put('apiserver.crt', pki.apiserver.certPem),
    apiserverKey: await put('apiserver.key', pki.apiserver.keyPem),
    saPub: await put('sa.pub', pki.serviceAccount.publicPem),
    saKey: await put('sa.key', pki.serviceAccount.privatePem),
  };
  await put('admin.crt', pki.clients.admin!.certPem);
  await put('admin.key', pki.clients.admin!.keyPem);
  return files;
}

function etcdArgs(dir: string, port: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=berth',
    `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=berth=${peer}`,
    // A throwaway store for demos and tests: durability on power loss is not worth the fsync latency.
    '--unsafe-no-fsync',
    '--log-level=warn',
  ];
}

function apiserverArgs(f: PkiFiles, etcdPort: number, port: number): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1',
    '--advertise-address=127.0.0.1',
    `--secure-port=${port}`,
    `--tls-cert-file=${f.apiserverCert}`,
    `--tls-private-key-file=${f.apiserverKey}`,
    `--client-ca-file=${f.ca}`,
    `--service-account-key-file=${f.saPub}`,
    `--service-account-signing-key-file=${f.saKey}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-cluster-ip-range=${SERVICE_CIDR}`,
    '--authorization-mode=Node,RBAC',
    '--allow-privileged=true',
    // Nothing routes to the service VIP here; the reconciler would only publish a loopback endpoint.
    '--endpoint-reconciler-type=none',
    '--profiling=false',
    '--v=1',
  ];
}

/** What kube-controller-manager and kube-scheduler share: one identity, health on loopback, one replica. */
function componentArgs(kubeconfig: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${port}`,
    '--leader-elect=false',
    '--profiling=false',
    '--v=1',
  ];
}

function controllerManagerArgs(kubeconfig: string, f: PkiFiles, port: number): string[] {
  return [
    ...componentArgs(kubeconfig, port),
    `--service-account-private-key-file=${f.saKey}`,
    `--root-ca-file=${f.ca}`,
    '--use-service-account-credentials=true',
    '--cluster-name=berth-local',
  ];
}

function schedulerArgs(kubeconfig: string, port: number): string[] {
  return componentArgs(kubeconfig, port);
}

function kwokArgs(kubeconfig: string, stages: string, port: number): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${stages}`,
    '--manage-all-nodes=false',
    `--manage-nodes-with-annotation-selector=${KWOK_NODE_SELECTOR}`,
    `--server-address=127.0.0.1:${port}`,
    // Node and pod addresses are status only; keep them on loopback so nothing ever looks elsewhere.
    '--node-ip=127.0.0.1',
    '--node-lease-duration-seconds=40',
  ];
}

export type { Binaries };
