import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, KubeConfig, type V1PodSpec } from '@kubernetes/client-node';
import { type Command, Option } from 'commander';
import { pino } from 'pino';
import { openLedger } from '../cost/open-ledger.ts';
import { installCrds } from '../kube/crds.ts';
import { watchResources } from '../kube/informer.ts';
import { startCluster, stopCluster } from '../local-cluster/cluster.ts';
import { freePorts } from '../local-cluster/ports.ts';
import {
  ANNOTATION_COMPLETE_AFTER,
  ANNOTATION_KWOK_NODE,
  ANNOTATION_POLICY,
  BERTH_PLURAL,
  type BerthObject,
  GROUP,
  POLICY_PLURAL,
} from '../model/index.ts';
import { startRuntime } from '../runtime/runtime.ts';
import { progressPrinter } from './cluster.ts';
import { DEMO_CLOUDS } from './demo-clouds.ts';
import { defaultServiceAccount, OPTED_IN, submitOptedInTeam } from './demo-opt-in.ts';
import { FARGATE_STAND_IN, startPlatformStandIn } from '../local-cluster/platform-stand-ins.ts';

/** One Job of the demo workload: what a team would really submit. */
interface DemoJob {
  namespace: string;
  name: string;
  pods: number;
  runFor: string;
  policy?: string;
  team: string;
  resources: { cpu: string; memory: string; gpu?: number };
}

const WORKLOAD: DemoJob[] = [
  {
    namespace: 'team-a',
    name: 'ci-unit-tests',
    pods: 6,
    runFor: '8s',
    policy: 'ci-burst',
    team: 'a',
    resources: { cpu: '1', memory: '2Gi' },
  },
  {
    namespace: 'team-a',
    name: 'ci-integration',
    pods: 2,
    runFor: '12s',
    policy: 'ci-burst',
    team: 'a',
    resources: { cpu: '4', memory: '8Gi' },
  },
  {
    namespace: 'team-b',
    name: 'ci-build',
    pods: 4,
    runFor: '10s',
    team: 'b',
    resources: { cpu: '2', memory: '4Gi' },
  },
  {
    namespace: 'ml',
    name: 'fine-tune',
    pods: 1,
    runFor: '15s',
    policy: 'ml-gpu',
    team: 'ml',
    resources: { cpu: '4', memory: '16Gi', gpu: 1 },
  },
];

function podSpec(job: DemoJob): V1PodSpec {
  return {
    schedulerName: 'berth',
    restartPolicy: 'Never',
    containers: [
      {
        name: 'main',
        image: 'berth-demo/ci-job:latest',
        resources: {
          requests: { cpu: job.resources.cpu, memory: job.resources.memory },
          ...(job.resources.gpu ? { limits: { 'nvidia.com/gpu': String(job.resources.gpu) } } : {}),
        },
      },
    ],
  };
}

const clock = (start: number) => `+${((Date.now() - start) / 1000).toFixed(1).padStart(5)}s`;

export function register(program: Command): void {
  program
    .command('demo')
    .description(
      'bring up the local control plane, run berth on it with the embedded catalog, submit a realistic burst (CI Jobs in two teams, a GPU job, a default-scheduler pod), show each decision, then the cost per namespace against on-demand, and clean up',
    )
    .option('--keep', 'leave the cluster running at the end (berth cluster down --name berth-demo stops it)')
    .option('--boot-delay <seconds>', 'local provider: how long the simulated machines take to boot', '2')
    .addOption(
      new Option(
        '--provider <name>',
        'local: a simulated cloud whose nodes kwok runs; aws: the real EC2 SDK against a moto server (pip install "moto[server]"); gcp: the real Google SDKs against a local Compute Engine and Cloud Billing server',
      )
        .choices(['local', ...Object.keys(DEMO_CLOUDS)])
        .default('local'),
    )
    .action(async (opts: { keep?: boolean; bootDelay: string; provider: string }) => {
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out('berth demo: a just-in-time, dedicated node for every pod\n');
      const cluster = await startCluster({
        name: 'berth-demo',
        ownedByThisProcess: !opts.keep,
        progress: progressPrinter(),
      });
      out(`control plane up (kubeconfig: ${cluster.kubeconfig})`);
      // Everything started from here on is stopped in reverse order, whatever fails.
      const cleanups: (() => Promise<void>)[] = [
        async () => {
          if (opts.keep) {
            out(`\ncluster left running: kubectl --kubeconfig ${cluster.kubeconfig} get berths -A`);
          } else {
            await stopCluster(cluster);
            out('\ncleaned up: the control plane and every process it started are stopped.');
          }
        },
      ];
      let exitCode = 0;
      try {
        const kc = new KubeConfig();
        kc.loadFromFile(cluster.kubeconfig);
        const core = kc.makeApiClient(CoreV1Api);
        const [metricsPort, webhookPort] = await freePorts(2);
        await installCrds(kc);
        // With a cloud, its stand-ins (an emulator, a registrar for the kubelets) serve the real SDK.
        const startCloud = opts.provider === 'local' ? undefined : DEMO_CLOUDS[opts.provider];
        const sim = startCloud ? await startCloud(kc, 'berth-demo') : undefined;
        if (sim) cleanups.push(() => sim.stop());
        const where = { cloud: sim?.cloud ?? ('aws' as const), region: sim?.region ?? 'us-east-1' };
        const common = {
          kubeConfig: kc,
          ...where,
          leaderElection: false as const,
          http: { host: '127.0.0.1', port: metricsPort! },
          // The admission webhook: team-c opts in by namespace label alone.
          webhook: { host: '127.0.0.1', port: webhookPort! },
          log: pino({ level: process.env.BERTH_LOG_LEVEL ?? 'warn' }),
        };
        // A durable ledger of its own, kept after the demo so `berth report` can read it again.
        const ledgerPath = join(mkdtempSync(join(tmpdir(), 'berth-demo-')), 'ledger.db');
        const ledger = await openLedger({ kind: 'sqlite', path: ledgerPath });
        cleanups.push(async () => {
          await ledger.close();
          out(
            `\nthe ledger stays in ${ledgerPath}: berth report --ledger ${ledgerPath} --window 1h --aggregate label:team`,
          );
        });
        const withLedger = { ...common, ledger };
        const runtime = sim
          ? await startRuntime({
              ...withLedger,
              provider: sim.provider,
              ...(sim.livePrices ? { livePrices: { adapter: sim.livePrices } } : {}),
            })
          : await startRuntime({
              ...withLedger,
              provider: 'local',
              bootDelayMs: Number(opts.bootDelay) * 1000,
            });
        cleanups.push(() => runtime.stop());
        // Decide the first pods on live prices when there are some to have.
        await runtime.prices?.refreshNow();
        const machines = sim?.machines ?? 'the local provider (nodes run by kwok)';
        const fargate = startPlatformStandIn(kc, FARGATE_STAND_IN);
        cleanups.push(() => fargate.stop());
        out(
          `berth controller running: ${where.cloud} ${where.region} offerings from ${sim?.livePrices ? 'its live price API' : 'the embedded catalog'}, machines from ${machines}; metrics on http://127.0.0.1:${metricsPort}/metrics`,
        );
        out(
          `dashboard (spend, savings, each pod's decision) while the demo runs: http://127.0.0.1:${metricsPort}/ui\n`,
        );
        const demoStart = new Date().toISOString();
        const start = Date.now();
        const berthsWatch = watchResources(
          kc,
          `/apis/${GROUP}/v1alpha1/${BERTH_PLURAL}`,
          async () =>
            (await kc
              .makeApiClient(CustomObjectsApi)
              .listClusterCustomObject({ group: GROUP, version: 'v1alpha1', plural: BERTH_PLURAL })) as never,
          {
            onUpdate: (b, old) => describeChange(b as unknown as BerthObject, old as unknown as BerthObject),
            onAdd: (b) => describeChange(b as unknown as BerthObject, undefined),
          },
          { name: 'berths' },
        );
        function describeChange(b: BerthObject, old: BerthObject | undefined): void {
          const phase = b.status?.phase;
          if (!phase || phase === old?.status?.phase) return;
          const o = b.spec.offering;
          const who = `${b.metadata.namespace}/${b.metadata.name}`.padEnd(34);
          // A pod a serverless platform runs is never launched: its decision shows when it is placed.
          const platform = phase === 'Bound' && !b.status?.timestamps?.Launching;
          if (o && ((phase === 'Launching' && !old?.status?.phase) || platform)) {
            out(
              `${clock(start)}  ${who} ${o.instanceType} ${o.capacityType} in ${o.region} at $${o.pricePerHour.toFixed(4)}/h${o.source.estimated ? ' (estimated)' : ''}${platform ? `, running on ${b.status?.nodeName} (its platform's node)` : ''}`,
            );
            out(`${' '.repeat(10)}${b.spec.explanation}`);
          } else if (phase === 'Bound' || phase === 'Terminated' || phase === 'Pending') {
            out(
              `${clock(start)}  ${who} ${phase.toLowerCase()}${b.status?.nodeName && phase === 'Bound' ? ` on ${b.status.nodeName}` : ''}${b.status?.reason ? ` (${b.status.reason})` : ''}`,
            );
          }
        }
        cleanups.push(() => berthsWatch.stop());
        await submitWorkload(kc, where.region);
        await submitOptedInTeam(kc);
        out(
          `${clock(start)}  submitted ${WORKLOAD.reduce((n, j) => n + j.pods, 0)} berth pods in ${WORKLOAD.length} Jobs, one pod for the default scheduler, and team-c's plain Job of ${OPTED_IN.pods} (namespace labelled ${'berth.dev/enabled=true'})\n`,
        );
        const batch = kc.makeApiClient(BatchV1Api);
        const deadline = Date.now() + 5 * 60_000;
        for (;;) {
          const jobs = [...WORKLOAD, OPTED_IN];
          const states = await Promise.all(
            jobs.map((j) => batch.readNamespacedJob({ namespace: j.namespace, name: j.name })),
          );
          const done = states.every((j, i) => (j.status?.succeeded ?? 0) >= jobs[i]!.pods);
          const terminated = (berthsWatch.list() as unknown as BerthObject[]).every(
            (b) => b.status?.phase === 'Terminated',
          );
          if (done && terminated) break;
          if (Date.now() > deadline) throw new Error('the demo workload did not finish within 5 minutes');
          await new Promise((r) => setTimeout(r, 500));
        }
        const plain = await core.readNamespacedPod({ namespace: 'team-b', name: 'dashboard' });
        const plainNode = plain.spec?.nodeName ?? '(pending)';
        out(
          `\n${clock(start)}  every Job succeeded; every berth node is gone. The default-scheduler pod ran on ${plainNode}, never on a berth node.\n`,
        );
        // The report as a person runs it, from the ledger the controller wrote, over the demo's own window.
        const window = `${demoStart},${new Date().toISOString()}`;
        for (const aggregate of ['namespace', 'label:team']) {
          const args = ['report', '--ledger', ledgerPath, '--window', window, '--aggregate', aggregate];
          out(`\n$ berth ${args.join(' ')}`);
          out(runBerthReport(args));
        }
      } catch (err) {
        exitCode = 1;
        process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
      } finally {
        for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
      }
      process.exitCode = exitCode;
    });
}

/** Namespaces, a namespace default policy, the Jobs, and a plain pod on an ordinary node. */
async function submitWorkload(kc: KubeConfig, region: string): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  for (const ns of new Set(WORKLOAD.map((j) => j.namespace))) {
    await core.createNamespace({ body: { metadata: { name: ns } } });
    await defaultServiceAccount(core, ns);
  }
  // team-b's platform owner pins the team to on-demand in the demo's region, for every pod without an annotation.
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace: 'team-b',
    plural: POLICY_PLURAL,
    body: {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'PlacementPolicy',
      metadata: { name: 'default' },
      spec: { capacityTypes: ['on-demand'], regions: [region] },
    },
  });
  for (const job of WORKLOAD) {
    await batch.createNamespacedJob({
      namespace: job.namespace,
      body: {
        metadata: { name: job.name, labels: { team: job.team } },
        spec: {
          completions: job.pods,
          parallelism: job.pods,
          backoffLimit: 2,
          template: {
            metadata: {
              labels: { team: job.team },
              annotations: {
                [ANNOTATION_COMPLETE_AFTER]: job.runFor,
                ...(job.policy ? { [ANNOTATION_POLICY]: job.policy } : {}),
              },
            },
            spec: podSpec(job),
          },
        },
      },
    });
  }
  // An ordinary node and a pod for the default scheduler: berth leaves both alone.
  await core.createNode({
    body: {
      metadata: {
        name: 'shared-pool-1',
        annotations: { [ANNOTATION_KWOK_NODE]: 'fake' },
        labels: { 'kubernetes.io/arch': 'amd64' },
      },
      status: {
        capacity: { cpu: '8', memory: '32Gi', pods: '110' },
        allocatable: { cpu: '8', memory: '32Gi', pods: '110' },
      },
    },
  });
  await core.createNamespacedPod({
    namespace: 'team-b',
    body: {
      metadata: { name: 'dashboard', labels: { team: 'b' } },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'berth-demo/dashboard:latest',
            resources: { requests: { cpu: '250m', memory: '256Mi' } },
          },
        ],
      },
    },
  });
}

/** `berth report` as a child process: the demo shows the real command's output. */
function runBerthReport(args: string[]): string {
  const bin = fileURLToPath(new URL('../../bin/berth.js', import.meta.url));
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`berth ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
  return r.stdout.trimEnd();
}
