import { randomUUID } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { installCrds } from '../../src/kube/crds.ts';
import { BERTH_PLURAL, type BerthObject, GROUP } from '../../src/model/index.ts';
import { type Runtime, type RuntimeOptions, startRuntime } from '../../src/runtime/runtime.ts';
import { kubeConfig, waitFor } from './helpers.ts';

export { berthPod } from '../fixtures/berth-pod.ts';

export const kc = kubeConfig();
export const core = kc.makeApiClient(CoreV1Api);
const custom = kc.makeApiClient(CustomObjectsApi);

let crdsInstalled: Promise<unknown> | undefined;
export function ensureCrds(): Promise<unknown> {
  crdsInstalled ??= installCrds(kc);
  return crdsInstalled;
}

/** The real runtime `berth run` starts, in this process, with quiet logs. */
export async function startBerth(over: Partial<Omit<RuntimeOptions, 'provider'>> = {}): Promise<Runtime> {
  await ensureCrds();
  return startRuntime({
    kubeConfig: kubeConfig(),
    provider: 'local',
    cloud: 'aws',
    region: 'us-east-1',
    leaderElection: false,
    http: false,
    gcGraceMs: 5_000,
    log: pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }),
    ...over,
  });
}

export async function getBerth(namespace: string, name: string): Promise<BerthObject | undefined> {
  try {
    return (await custom.getNamespacedCustomObject({
      group: GROUP,
      version: 'v1alpha1',
      plural: BERTH_PLURAL,
      namespace,
      name,
    })) as BerthObject;
  } catch {
    return undefined;
  }
}

export async function waitPod(
  namespace: string,
  name: string,
  what: string,
  test: (p: V1Pod) => boolean,
  timeoutMs = 60_000,
): Promise<V1Pod> {
  return waitFor(
    `${namespace}/${name} ${what}`,
    async () => {
      const p = await core.readNamespacedPod({ name, namespace });
      return test(p) ? p : undefined;
    },
    timeoutMs,
  );
}

export async function waitBerth(
  namespace: string,
  name: string,
  what: string,
  test: (b: BerthObject) => boolean,
  timeoutMs = 60_000,
): Promise<BerthObject> {
  return waitFor(
    `Berth ${namespace}/${name} ${what}`,
    async () => {
      const b = await getBerth(namespace, name);
      return b && test(b) ? b : undefined;
    },
    timeoutMs,
  );
}

export async function nodeExists(name: string): Promise<boolean> {
  try {
    await core.readNode({ name });
    return true;
  } catch {
    return false;
  }
}

export function uniq(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 6)}`;
}
