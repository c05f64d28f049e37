/**
 * npm run bench:karpenter — the same burst through Karpenter and through
 * berth, on one local control plane, alternating, and the machine's limit.
 *
 * Builds Karpenter's kwok provider (KARPENTER in src/local-cluster/versions.ts)
 * from the Go module proxy into the cache, installs its CRDs with a default
 * NodePool and KWOKNodeClass, and runs BENCH_RUNS (default 2) bursts of
 * BENCH_PODS (default 1,000) pods of 500m/1Gi, each finishing 5 s after it
 * starts, through each controller in turn (each as a process of its own,
 * stopped between runs). Then the like-for-like run: Karpenter held to one pod
 * per node by pod anti-affinity. Then the limit: how fast the API server
 * takes the writes no provisioner can avoid (a Node created, a binding and a
 * Node deleted per pod) from a bare client at the same concurrency.
 */
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { installCrds } from '../../src/kube/crds.ts';
import { ensureKarpenterKwok, karpenterSource } from '../../src/local-cluster/build.ts';
import { startCluster, stopCluster } from '../../src/local-cluster/cluster.ts';
import { freePorts } from '../../src/local-cluster/ports.ts';
import { KARPENTER } from '../../src/local-cluster/versions.ts';
import { formatTable } from '../../src/cli/output.ts';
import { type BurstResult, CREATE_CONCURRENCY, peakRssMiB, runBurst, sleep, until } from './burst.ts';
import { type Running, startBerth, startKarpenter } from './controllers.ts';
import { writesPerPodLine } from './api-writes.ts';

const PODS = Number(process.env.BENCH_PODS ?? 1000);
const RUNS = Number(process.env.BENCH_RUNS ?? 2);
const LIKE_FOR_LIKE = process.env.BENCH_LIKE_FOR_LIKE !== '0';
const RUN_TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_S ?? 400) * 1000;
/** How long after the pods end to wait for their nodes to go before counting what is left. */
const NODE_WAIT_MS = 120_000;

const log = (m: string) => process.stderr.write(`[bench:karpenter] ${m}\n`);

const KARPENTER_GROUP = { group: 'karpenter.sh', version: 'v1' };

function burstPod(name: string, scheduler: 'berth' | 'default', onePerNode = false): V1Pod {
  return {
    metadata: { name, labels: { app: 'burst' }, annotations: { 'berth.dev/complete-after': '5s' } },
    spec: {
      ...(scheduler === 'berth' ? { schedulerName: 'berth' } : {}),
      restartPolicy: 'Never',
      containers: [{ name: 'ci', image: 'busybox', resources: { requests: { cpu: '500m', memory: '1Gi' } } }],
      ...(onePerNode
        ? {
            affinity: {
              podAntiAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: [
                  { labelSelector: { matchLabels: { app: 'burst' } }, topologyKey: 'kubernetes.io/hostname' },
                ],
              },
            },
          }
        : {}),
    },
  };
}

interface Row {
  controller: string;
  run: number;
  result: BurstResult;
  peakMiB: number;
}

const cluster = await startCluster({
  name: `bench-karpenter-${process.pid}`,
  ownedByThisProcess: true,
  progress: log,
});
const rows: Row[] = [];
/** Each run's figures as soon as it ends, so a later run that fails loses none of them. */
const record = (row: Row) => {
  rows.push(row);
  const r = row.result;
  log(
    `${row.controller} run ${row.run}: created ${r.createSeconds.toFixed(1)} s, all bound ${r.allBoundSeconds.toFixed(1)} s, p99 ${r.p99.toFixed(1)} s, ${r.nodes} nodes, nodes gone ${r.nodesGoneSeconds?.toFixed(1) ?? `- (${r.nodesLeft} left)`} s, peak ${row.peakMiB.toFixed(0)} MiB; ${writesPerPodLine(r.systemWrites, r.pods)}`,
  );
};
let running: Running | undefined;
try {
  const binary = await ensureKarpenterKwok(log);
  const source = await karpenterSource(log);
  const kc = new KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  await installCrds(kc);
  await installCrds(kc, { dir: join(source, 'kwok/charts/crds') });
  await installCrds(kc, { dir: join(source, 'kwok/apis/crds') });
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  await custom.createClusterCustomObject({
    group: 'karpenter.kwok.sh',
    version: 'v1alpha1',
    plural: 'kwoknodeclasses',
    body: { apiVersion: 'karpenter.kwok.sh/v1alpha1', kind: 'KWOKNodeClass', metadata: { name: 'default' } },
  });
  // Karpenter's default NodePool, consolidating empty nodes at once so its teardown is measured at its best.
  await custom.createClusterCustomObject({
    ...KARPENTER_GROUP,
    plural: 'nodepools',
    body: {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'default' },
      spec: {
        template: {
          spec: {
            requirements: [
              { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
              { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
              { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
            ],
            nodeClassRef: { group: 'karpenter.kwok.sh', kind: 'KWOKNodeClass', name: 'default' },
            expireAfter: '720h',
          },
        },
        limits: { cpu: 5000 },
        disruption: { consolidationPolicy: 'WhenEmptyOrUnderutilized', consolidateAfter: '0s' },
      },
    },
  });

  const [metricsPort, healthPort] = await freePorts(2);
  let namespaces = 0;
  const namespace = async () => {
    const name = `bench-${++namespaces}`;
    await core.createNamespace({ body: { metadata: { name } } });
    await until(
      `the default ServiceAccount of ${name}`,
      async () =>
        await core
          .readNamespacedServiceAccount({ name: 'default', namespace: name })
          .then(() => true)
          .catch(() => false),
      Date.now() + 60_000,
    );
    return name;
  };
  /** Karpenter's nodes left after the wait are deleted through their NodeClaims, so the next run starts empty. */
  const clearKarpenterNodes = async () => {
    await custom.deleteCollectionClusterCustomObject({ ...KARPENTER_GROUP, plural: 'nodeclaims' });
    await until(
      "Karpenter's nodes to go",
      async () => (await core.listNode({ labelSelector: 'karpenter.sh/nodepool' })).items.length === 0,
      Date.now() + 180_000,
    );
  };

  const karpenterRun = async (run: number, onePerNode: boolean) => {
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    running = await startKarpenter({
      binary,
      kubeconfig: cluster.kubeconfig,
      metricsPort: metricsPort!,
      healthPort: healthPort!,
      deadline,
    });
    const result = await runBurst({
      kc,
      namespace: await namespace(),
      count: PODS,
      deadline,
      nodeWaitMs: NODE_WAIT_MS,
      log,
      pod: (name) => burstPod(name, 'default', onePerNode),
    });
    record({
      controller: onePerNode ? 'Karpenter, one pod per node' : 'Karpenter (packs)',
      run,
      result,
      peakMiB: peakRssMiB(running.process.pid!),
    });
    await clearKarpenterNodes();
    await running.stop();
    running = undefined;
  };
  const berthRun = async (run: number) => {
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    running = await startBerth({ kubeconfig: cluster.kubeconfig, metricsPort: metricsPort!, deadline });
    const ns = await namespace();
    const result = await runBurst({
      kc,
      namespace: ns,
      count: PODS,
      deadline,
      nodeWaitMs: NODE_WAIT_MS,
      log,
      pod: (name) => burstPod(name, 'berth'),
    });
    record({ controller: 'berth', run, result, peakMiB: peakRssMiB(running.process.pid!) });
    // Berth finalizers are released by the controller: delete the pods while it runs.
    await core.deleteCollectionNamespacedPod({ namespace: ns });
    await until(
      'berth pods gone',
      async () => (await core.listNamespacedPod({ namespace: ns })).items.length === 0,
      deadline,
    );
    await running.stop();
    running = undefined;
  };

  for (let run = 1; run <= RUNS; run++) {
    log(`run ${run} of ${RUNS}: Karpenter`);
    await karpenterRun(run, false);
    log(`run ${run} of ${RUNS}: berth`);
    await berthRun(run);
  }
  if (LIKE_FOR_LIKE) {
    log('like for like: Karpenter held to one pod per node');
    await karpenterRun(1, true).catch((err: unknown) =>
      log(`like-for-like run did not finish: ${String(err)}`),
    );
  }

  log('the limit: a bare client creating, binding and deleting');
  const limit = await machineLimit(kc, await namespace());

  const table = rows.map((r) => [
    r.controller,
    String(r.run),
    r.result.createSeconds.toFixed(1),
    r.result.allBoundSeconds.toFixed(1),
    r.result.p99.toFixed(1),
    String(r.result.nodes),
    r.result.nodesGoneSeconds !== undefined
      ? r.result.nodesGoneSeconds.toFixed(1)
      : `${r.result.nodesLeft} left after ${NODE_WAIT_MS / 1000}`,
    r.peakMiB.toFixed(0),
  ]);
  process.stdout.write(
    `\n${PODS} pods of 500m/1Gi at once, each done 5 s after it starts; Karpenter ${KARPENTER.version} kwok provider\n\n`,
  );
  process.stdout.write(
    `${formatTable(
      [
        'controller',
        'run',
        'create s',
        'all bound s',
        'p99 pending-to-bound s',
        'nodes',
        'nodes gone s after last pod',
        'peak RSS MiB',
      ],
      table,
    )}\n\n`,
  );
  process.stdout.write(
    "API server writes during each burst, from everyone (controller, kwok, scheduler, controller-manager, the pods' creation):\n",
  );
  for (const r of rows) {
    process.stdout.write(
      `  ${r.controller} run ${r.run}: ${writesPerPodLine(r.result.systemWrites, PODS)}\n`,
    );
  }
  process.stdout.write('\n');
  const best = (name: string) => {
    const times = rows.filter((r) => r.controller === name).map((r) => r.result.allBoundSeconds);
    return times.length > 0 ? Math.min(...times) : Number.NaN;
  };
  const berthBest = best('berth');
  const karpenterBest = best('Karpenter (packs)');
  process.stdout.write(
    `limit (bare client, ${CREATE_CONCURRENCY} at a time): ${PODS} Nodes created ${limit.create.toFixed(1)} s, bound ${limit.bind.toFixed(1)} s, deleted ${limit.remove.toFixed(1)} s; ${limit.total.toFixed(1)} s in all\n`,
  );
  process.stdout.write(
    `best all-bound: berth ${berthBest.toFixed(1)} s, Karpenter ${karpenterBest.toFixed(1)} s: berth/Karpenter ${(berthBest / karpenterBest).toFixed(2)} (goal <= 0.5); berth/limit ${(berthBest / limit.total).toFixed(2)} (goal <= 1.5)\n`,
  );
} finally {
  await running?.stop();
  await stopCluster(cluster);
}

/** The unavoidable writes alone: N Nodes, N bindings, N Node deletions, 50 at a time. */
async function machineLimit(kc: KubeConfig, ns: string) {
  const core = kc.makeApiClient(CoreV1Api);
  const names = Array.from({ length: PODS }, (_, i) => `limit-${String(i).padStart(5, '0')}`);
  // The pods exist first, unscheduled (no scheduler has this name): their creation is the workload, not a cost.
  await inBatches(names, (name) =>
    core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name },
        spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox' }] },
      },
    }),
  );
  const timed = async (f: () => Promise<void>) => {
    const start = Date.now();
    await f();
    return (Date.now() - start) / 1000;
  };
  const create = await timed(() =>
    inBatches(names, (name) => core.createNode({ body: { metadata: { name, labels: { bench: 'limit' } } } })),
  );
  const bind = await timed(() =>
    inBatches(names, (name) =>
      core.createNamespacedBinding({
        namespace: ns,
        body: { metadata: { name }, target: { kind: 'Node', name } },
      }),
    ),
  );
  const remove = await timed(() => inBatches(names, (name) => core.deleteNode({ name })));
  await core.deleteCollectionNamespacedPod({ namespace: ns, gracePeriodSeconds: 0 });
  await sleep(1000);
  return { create, bind, remove, total: create + bind + remove };
}

async function inBatches(names: readonly string[], f: (name: string) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < names.length; i += CREATE_CONCURRENCY) {
    await Promise.all(names.slice(i, i + CREATE_CONCURRENCY).map(f));
  }
}
