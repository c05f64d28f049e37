import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { BERTH_PLURAL, type BerthObject, FINALIZER, GROUP, LABEL_CLUSTER } from '../../src/model/index.ts';
import { freshNamespace } from '../integration/helpers.ts';
import { type BerthProcess, sleep } from './berth-process.ts';
import { type Recorder, startRecorder } from './recorder.ts';
import { type EndState, type Figures, judge } from './verdict.ts';

/** One scenario's namespace, scheduler name, controllers, watch and log directory. */
export interface Scenario {
  name: string;
  namespace: string;
  schedulerName: string;
  recorder: Recorder;
  logDir: string;
  /** Every controller process started, so each is killed at the end. */
  processes: BerthProcess[];
  kubeconfig: string;
}

export async function openScenario(
  kc: KubeConfig,
  kubeconfig: string,
  name: string,
  logRoot: string,
): Promise<Scenario> {
  const namespace = await freshNamespace(kc.makeApiClient(CoreV1Api), `chaos-${name}`);
  const schedulerName = namespace; // unique, so nothing else acts on these pods
  const logDir = join(logRoot, name);
  mkdirSync(logDir, { recursive: true });
  const recorder = await startRecorder(kc, schedulerName);
  return { name, namespace, schedulerName, recorder, logDir, processes: [], kubeconfig };
}

/** The flags every controller of a scenario shares: the real CLI, its own scheduler name, any free port. */
export function runArgs(s: Scenario): string[] {
  return [
    '--kubeconfig',
    s.kubeconfig,
    '--provider',
    'local',
    '--scheduler-name',
    s.schedulerName,
    '--metrics-address',
    '127.0.0.1:0',
    // The scenario's own ledger beside its logs (replicas share it), not the user's default one.
    '--ledger',
    join(s.logDir, 'ledger.db'),
  ];
}

export interface FinishOptions {
  /** Pods the workload creates (Jobs' pods included). */
  expectedPods: number;
  /** AWS: machines per claim and those still running, from the cloud. */
  machines?: () => Promise<{ perClaim: Map<string, number>; running: string[]; strays?: number }>;
  drainTimeoutMs?: number;
}

/**
 * Waits (bounded) for every pod to finish and every machine to go, deletes
 * the workload, waits for the Berths to go, and judges what the watch saw.
 */
export async function finishScenario(
  kc: KubeConfig,
  s: Scenario,
  o: FinishOptions,
): Promise<{ figures: Figures; problems: string[]; timings: Record<string, number> }> {
  const core = kc.makeApiClient(CoreV1Api);
  const batch = kc.makeApiClient(BatchV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const ns = s.namespace;
  const berths = async () =>
    (
      (await custom.listNamespacedCustomObject({
        group: GROUP,
        version: 'v1alpha1',
        namespace: ns,
        plural: BERTH_PLURAL,
      })) as { items: BerthObject[] }
    ).items;
  const nodes = async () =>
    (await core.listNode({ labelSelector: `${LABEL_CLUSTER}=${s.schedulerName}` })).items.map(
      (n) => n.metadata?.name ?? '',
    );
  const until = async (check: () => Promise<boolean>, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check().catch(() => false)) return;
      await sleep(500);
    }
  };

  const timings = { drainSeconds: 0, teardownSeconds: 0, releaseSeconds: 0 };
  const drained = Date.now();
  // Finished: every pod ended, and the Job controller (which may lag after an API server restart) agrees.
  const unfinished = async (): Promise<string[]> => {
    // From the watch: kube-controller-manager deletes a finished pod once its node is gone.
    const pods = [...s.recorder.seen.pods.values()];
    const jobs = (await batch.listNamespacedJob({ namespace: ns })).items;
    const ended = (c: { type: string; status: string }) =>
      (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True';
    return [
      ...(pods.length < o.expectedPods ? [`only ${pods.length} of ${o.expectedPods} pods were created`] : []),
      ...pods
        .filter((p) => !p.phases.has('Succeeded') && !p.phases.has('Failed'))
        .map(
          (p) =>
            `pod ${p.name} has not finished (${[...p.phases].join(', ')} on ${p.nodeNames.join(', ') || 'no node'})`,
        ),
      ...jobs
        .filter((j) => !j.status?.conditions?.some(ended))
        .map((j) => `Job ${j.metadata?.name} has not ended: ${JSON.stringify(j.status)}`),
    ];
  };
  await until(async () => (await unfinished()).length === 0, o.drainTimeoutMs ?? 120_000);
  const notDone = await unfinished().catch((err: unknown) => [`could not list the workload: ${String(err)}`]);
  timings.drainSeconds = (Date.now() - drained) / 1000;
  const tornDown = Date.now();
  await until(
    async () =>
      (await nodes()).length === 0 &&
      (await berths()).every((b) => b.status?.phase === 'Terminated') &&
      (o.machines ? (await o.machines()).running.length === 0 : true),
    60_000,
  );
  const machines = o.machines ? await o.machines() : undefined;
  timings.teardownSeconds = (Date.now() - tornDown) / 1000;
  const end: EndState = {
    unfinished: notDone,
    nodesLeft: await nodes(),
    berthsLeft: [],
    jobs: (await batch.listNamespacedJob({ namespace: ns })).items.map((j) => ({
      name: j.metadata?.name ?? '',
      completions: j.spec?.completions ?? 1,
      succeeded: j.status?.succeeded ?? 0,
      failed: j.status?.failed ?? 0,
    })),
    ...(machines
      ? {
          machinesPerClaim: machines.perClaim,
          machinesLeft: machines.running,
          ...(machines.strays !== undefined ? { strayMachines: machines.strays } : {}),
        }
      : {}),
  };

  // Pods gone: every Berth must let go of its finalizer (the garbage collector then removes it).
  const released = Date.now();
  await batch.deleteCollectionNamespacedJob({ namespace: ns, propagationPolicy: 'Background' });
  await core.deleteCollectionNamespacedPod({ namespace: ns });
  const holding = async () => (await berths()).filter((b) => b.metadata.finalizers?.includes(FINALIZER));
  await until(
    async () =>
      (await core.listNamespacedPod({ namespace: ns })).items.length === 0 && (await holding()).length === 0,
    60_000,
  );
  end.berthsLeft = (await holding()).map(
    (b) => `${b.metadata.namespace}/${b.metadata.name} (${b.status?.phase})`,
  );
  timings.releaseSeconds = (Date.now() - released) / 1000;
  // Let the watch catch up before judging.
  await sleep(1000);
  return { ...judge(s.recorder.seen, end), timings };
}

/** Kills whatever controllers are left and stops the watch. */
export async function closeScenario(s: Scenario): Promise<void> {
  await Promise.all(s.processes.map((p) => p.kill()));
  await s.recorder.stop();
}

/** One line of figures per scenario, for the log and the README. */
export function report(
  name: string,
  seed: number,
  figures: Figures,
  extra: Record<string, string | number>,
): string {
  const f = figures;
  const parts = [
    `pods=${f.pods}`,
    `bound=${f.bound}`,
    `double-binds=${f.doubleBinds}`,
    `machines=${f.machines}`,
    `double-launches=${f.doubleLaunches}`,
    `leaked-nodes=${f.leakedNodes}`,
    `leaked-machines=${f.leakedMachines}`,
    `stray-machines-collected=${f.strayMachines}`,
    `stuck-berths=${f.stuckBerths}`,
    `failed-pods=${f.failedPods}`,
    `failed-jobs=${f.failedJobs}`,
    ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
  ];
  return `[chaos] ${name} (seed ${seed}): ${parts.join(' ')}`;
}
