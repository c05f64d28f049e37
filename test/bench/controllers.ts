/**
 * The controllers the benchmarks run, each as a process of its own so its
 * memory is its own: berth as the container image runs it (compiled, with
 * the image's NODE_OPTIONS), and Karpenter's kwok provider as built from the
 * Go module proxy.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { probe } from '../../src/local-cluster/probe.ts';
import { until } from './burst.ts';

export interface Running {
  process: ChildProcess;
  metrics: string;
  stop(): Promise<void>;
}

async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function startBerth(o: {
  kubeconfig: string;
  metricsPort: number;
  deadline: number;
  args?: string[];
}): Promise<Running> {
  // BENCH_CPU_PROF_DIR: where to write a V8 CPU profile of the controller under the burst (Node refuses it in NODE_OPTIONS).
  const profile = process.env.BENCH_CPU_PROF_DIR;
  const child = spawn(
    process.execPath,
    [
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : []),
      'dist/src/cli/main.js', // the compiled controller, as the container image runs it (npm run build)
      'run',
      '--provider',
      'local', // the simulated cloud whose Nodes kwok runs, named: it is never a default
      '--kubeconfig',
      o.kubeconfig,
      '--no-leader-elect',
      '--concurrency',
      '64',
      '--metrics-address',
      `127.0.0.1:${o.metricsPort}`,
      ...(o.args ?? []),
    ],
    // NODE_OPTIONS as the container image sets it (deploy/Dockerfile).
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        BERTH_LOG_LEVEL: 'warn',
        NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS ?? '--max-semi-space-size=1 --max-old-space-size=128',
      },
    },
  );
  const metrics = `http://127.0.0.1:${o.metricsPort}`;
  await until('berth to be ready', async () => (await probe(`${metrics}/readyz`)) !== undefined, o.deadline);
  return { process: child, metrics, stop: () => stopped(child) };
}

export async function startKarpenter(o: {
  binary: string;
  kubeconfig: string;
  metricsPort: number;
  healthPort: number;
  deadline: number;
}): Promise<Running> {
  const child = spawn(o.binary, [], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: {
      ...process.env,
      KUBECONFIG: o.kubeconfig,
      SYSTEM_NAMESPACE: 'kube-system',
      DISABLE_LEADER_ELECTION: 'true',
      METRICS_PORT: String(o.metricsPort),
      HEALTH_PROBE_PORT: String(o.healthPort),
      LOG_LEVEL: 'error',
    },
  });
  const health = `http://127.0.0.1:${o.healthPort}/readyz`;
  await until('karpenter to be ready', async () => (await probe(health)) !== undefined, o.deadline);
  return { process: child, metrics: `http://127.0.0.1:${o.metricsPort}`, stop: () => stopped(child) };
}
