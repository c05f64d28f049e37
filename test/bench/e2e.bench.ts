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
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { installCrds } from '../../src/kube/crds.ts';
import { startCluster, stopCluster } from '../../src/local-cluster/cluster.ts';
import { freePorts } from '../../src/local-cluster/ports.ts';
import { writesPerPodLine } from './api-writes.ts';
import { probe } from '../../src/local-cluster/probe.ts';
import { peakRssMiB, runBurst, sleep, until } from './burst.ts';
import { type Running, startBerth } from './controllers.ts';

const PODS = Number(process.env.BENCH_PODS ?? 1000);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 300) * 1000;
const TARGETS = { boundSeconds: 30, writesPerPod: 8, peakMiB: 200 };

const log = (m: string) => process.stderr.write(`[bench:e2e] ${m}\n`);

async function writesFromMetrics(url: string): Promise<number> {
  const body = (await probe(url)) ?? '';
  return body
    .split('\n')
    .filter((l) => l.startsWith('berth_api_writes_total{'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

const cluster = await startCluster({ name: `bench-${process.pid}`, ownedByThisProcess: true, progress: log });
const [metricsPort] = await freePorts(1);
let controller: Running | undefined;
try {
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  await installCrds(kc);
  const core = kc.makeApiClient(CoreV1Api);
  const deadline = Date.now() + TIMEOUT_MS;
  controller = await startBerth({ kubeconfig: cluster.kubeconfig, metricsPort: metricsPort!, deadline });
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

  const r = await runBurst({
    kc,
    namespace: ns,
    count: PODS,
    deadline,
    nodeWaitMs: 60_000,
    log,
    pod: (name) => ({
      metadata: { name, annotations: { 'berth.dev/complete-after': '5s' } },
      spec: {
        schedulerName: 'berth',
        restartPolicy: 'Never',
        containers: [
          { name: 'ci', image: 'busybox', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
        ],
      },
    }),
  });
  await core.deleteCollectionNamespacedPod({ namespace: ns });
  await until(
    'pods gone (Berth finalizers released)',
    async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
    deadline,
  );
  await sleep(3000); // let the last finalizer removals land in the metric

  const writes = await writesFromMetrics(`${controller.metrics}/metrics`);
  const peak = peakRssMiB(controller.process.pid!);
  const rows: [string, string, string, boolean][] = [
    ['pods', String(PODS), '', true],
    ['seconds to create them', r.createSeconds.toFixed(1), '', true],
    [
      'seconds until all bound',
      r.allBoundSeconds.toFixed(1),
      `< ${TARGETS.boundSeconds}`,
      r.allBoundSeconds < TARGETS.boundSeconds,
    ],
    ['pending-to-bound p50 (s)', r.p50.toFixed(2), '', true],
    ['pending-to-bound p99 (s)', r.p99.toFixed(2), '', true],
    ['nodes gone after the last pod (s)', r.nodesGoneSeconds?.toFixed(1) ?? `${r.nodesLeft} left`, '', true],
    [
      'controller API writes per pod',
      (writes / PODS).toFixed(2),
      `<= ${TARGETS.writesPerPod}`,
      writes / PODS <= TARGETS.writesPerPod,
    ],
    ['controller peak RSS (MiB)', peak.toFixed(0), `< ${TARGETS.peakMiB}`, peak < TARGETS.peakMiB],
  ];
  process.stdout.write('\nberth end-to-end burst (local provider, zero boot delay)\n');
  process.stdout.write(
    `  API server, from everyone during the burst: ${writesPerPodLine(r.systemWrites, PODS)}\n`,
  );
  for (const [what, value, target, ok] of rows) {
    process.stdout.write(
      `  ${what.padEnd(34)} ${value.padStart(8)}  ${target ? `${target.padEnd(8)} ${ok ? 'met' : 'MISSED'}` : ''}\n`,
    );
  }
} finally {
  await controller?.stop();
  await stopCluster(cluster);
}
