/**
 * npm run bench:e2e — a burst of berth pods on the real local control plane.
 *
 * Starts its own cluster, runs `berth run` as a separate process (so its
 * memory is its own), creates N pods at once with zero boot delay, and prints:
 * seconds until all are bound, p50/p99 pending-to-bound, the API writes the
 * controller made per pod lifecycle (from its berth_api_writes_total metric;
 * the local provider's node registrations stand in for kubelets and are not
 * counted), and the controller's peak resident memory.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { watchResources } from '../../src/kube/informer.ts';
import { startCluster, stopCluster } from '../../src/local-cluster/cluster.ts';
import { freePorts } from '../../src/local-cluster/ports.ts';
import { probe } from '../../src/local-cluster/probe.ts';
import { installCrds } from '../../src/kube/crds.ts';

const PODS = Number(process.env.BENCH_PODS ?? 1000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;
const TARGETS = { boundSeconds: 30, writesPerPod: 8, peakMiB: 200 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const log = (m: string) => process.stderr.write(`[bench:e2e] ${m}\n`);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function writesFromMetrics(url: string): Promise<number> {
  const body = (await probe(url)) ?? '';
  return body
    .split('\n')
    .filter((l) => l.startsWith('berth_api_writes_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

async function until(what: string, check: () => Promise<boolean> | boolean, deadline: number): Promise<void> {
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

const cluster = await startCluster({ name: `bench-${process.pid}`, ownedByThisProcess: true, progress: log });
const [metricsPort] = await freePorts(1);
let controller: ReturnType<typeof spawn> | undefined;
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  await installCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const metrics = `http://127.0.0.1:${metricsPort}`;
  controller = spawn(
    process.execPath,
    [
      'dist/src/cli/main.js', // the compiled controller, as the container image runs it (npm run build)
      'run',
      '--provider',
      'local', // the simulated cloud whose Nodes kwok runs, named: it is never a default
      '--kubeconfig',
      cluster.kubeconfig,
      '--no-leader-elect',
      '--concurrency',
      '64',
      '--metrics-address',
      `127.0.0.1:${metricsPort}`,
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
  const deadline = Date.now() + TIMEOUT_MS;
  await until(
    'the controller to be ready',
    async () => (await probe(`${metrics}/readyz`)) !== undefined,
    deadline,
  );
  const ns = 'bench';
  await core.createNamespace({ body: { metadata: { name: ns } } });
  await until(
    'the default ServiceAccount',
    async () =>
      await core
        .readNamespacedServiceAccount({ name: 'default', namespace: ns })
        .then(() => true)
        .catch(() => false),
    deadline,
  );

  // Watch bindings as they happen (an informer that re-watches if the stream drops), so the figures don't depend on polling.
  const created = new Map<string, number>();
  const bound = new Map<string, number>();
  const done = new Set<string>();
  const seen = (pod: V1Pod) => {
    const name = pod.metadata?.name ?? '';
    if (pod.spec?.nodeName && !bound.has(name)) bound.set(name, Date.now());
    if (pod.status?.phase === 'Succeeded') done.add(name);
  };
  const pods = watchResources<V1Pod>(
    kc,
    `/api/v1/namespaces/${ns}/pods`,
    () => core.listNamespacedPod({ namespace: ns }),
    { onAdd: seen, onUpdate: seen },
    { name: 'bench pods', model: 'V1Pod' },
  );
  await pods.hasSynced();

  log(`creating ${PODS} pods`);
  const start = Date.now();
  const names = Array.from({ length: PODS }, (_, i) => `burst-${String(i).padStart(4, '0')}`);
  for (let i = 0; i < names.length; i += 50) {
    await Promise.all(
      names.slice(i, i + 50).map(async (name) => {
        await core.createNamespacedPod({
          namespace: ns,
          body: {
            metadata: { name, annotations: { 'berth.dev/complete-after': '5s' } },
            spec: {
              schedulerName: 'berth',
              restartPolicy: 'Never',
              containers: [
                { name: 'ci', image: 'busybox', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
              ],
            },
          },
        });
        created.set(name, Date.now());
      }),
    );
  }
  log(`created in ${((Date.now() - start) / 1000).toFixed(1)}s; waiting for bindings`);
  await until(`${PODS} bindings`, () => bound.size >= PODS, deadline);
  const allBoundSeconds = (Math.max(...bound.values()) - start) / 1000;
  const latencies = names.map((n) => (bound.get(n)! - created.get(n)!) / 1000).sort((a, b) => a - b);

  log('all bound; waiting for every pod to finish and its node to go');
  await until(`${PODS} pods to succeed`, () => done.size >= PODS, deadline);
  await until(
    'every berth node gone',
    async () => (await core.listNode({ labelSelector: 'berth.dev/pod-uid' })).items.length === 0,
    deadline,
  );
  await core.deleteCollectionNamespacedPod({ namespace: ns });
  await until(
    'pods gone (Berth finalizers released)',
    async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
    deadline,
  );
  await sleep(3000); // let the last finalizer removals land in the metric
  await pods.stop();

  const writes = await writesFromMetrics(`${metrics}/metrics`);
  const peak = peakRssMiB(controller.pid!);
  const rows: [string, string, string, boolean][] = [
    ['pods', String(PODS), '', true],
    [
      'seconds until all bound',
      allBoundSeconds.toFixed(1),
      `< ${TARGETS.boundSeconds}`,
      allBoundSeconds < TARGETS.boundSeconds,
    ],
    ['pending-to-bound p50 (s)', percentile(latencies, 50).toFixed(2), '', true],
    ['pending-to-bound p99 (s)', percentile(latencies, 99).toFixed(2), '', true],
    [
      'controller API writes per pod',
      (writes / PODS).toFixed(2),
      `<= ${TARGETS.writesPerPod}`,
      writes / PODS <= TARGETS.writesPerPod,
    ],
    ['controller peak RSS (MiB)', peak.toFixed(0), `< ${TARGETS.peakMiB}`, peak < TARGETS.peakMiB],
  ];
  process.stdout.write('\nberth end-to-end burst (local provider, zero boot delay)\n');
  for (const [what, value, target, ok] of rows) {
    process.stdout.write(
      `  ${what.padEnd(32)} ${value.padStart(8)}  ${target ? `${target.padEnd(8)} ${ok ? 'met' : 'MISSED'}` : ''}\n`,
    );
  }
} finally {
  if (controller?.pid) controller.kill('SIGTERM');
  await stopCluster(cluster);
}
