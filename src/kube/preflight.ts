/**
 * What `berth run` checks before it starts its informers and its leader
 * elector, both of which retry forever by design (a restarting API server is
 * normal): an API server that answers, and a Lease it may read and write. A
 * mistake a person made (a wrong server, a missing namespace, a missing RBAC
 * rule) is then one clear sentence within seconds instead of silent retries.
 */
import { CustomObjectsApi, type KubeConfig, VersionApi } from '@kubernetes/client-node';
import { BERTH_API_VERSION, BERTH_PLURAL, InputError } from '../model/index.ts';
import { apiStatus } from './api-errors.ts';
import { checkLeaseAccess } from './leader.ts';

export interface PreflightOptions {
  kubeConfig: KubeConfig;
  /** Where the kubeconfig came from, e.g. the file's path or "in-cluster config". */
  kubeconfigSource: string;
  leaderElection?: { namespace: string; name: string } | false;
  /** Check the Berth CRD is served (skip it when berth installs the CRDs itself). */
  crds?: boolean;
  /** How long an unreachable API server is retried before giving up. */
  reachTimeoutMs?: number;
  /** The flags named in the advice, as the caller spells them. */
  flags?: { kubeconfig: string; leaseNamespace: string; noLeaderElect: string; installCrds: string };
}

const FLAGS = {
  kubeconfig: '--kubeconfig',
  leaseNamespace: '--lease-namespace',
  noLeaderElect: '--no-leader-elect',
  installCrds: '--install-crds',
};

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/** The socket-level reason of a failed request (ECONNREFUSED, ENOTFOUND, a TLS error), if any. */
function networkReason(err: unknown): string {
  for (let e: unknown = err, i = 0; e && i < 5; e = field(e, 'cause'), i++) {
    const code = field(e, 'code');
    if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return code;
  }
  const message = err instanceof Error ? err.message : String(err);
  return message.split('\n')[0] ?? message;
}

function timeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('no answer'), { code: 'ETIMEDOUT' })), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/**
 * Waits (at most reachTimeoutMs, default 4 s) for the API server to answer
 * GET /version; any HTTP answer counts, since /version is public.
 */
async function checkReachable(o: PreflightOptions, server: string): Promise<void> {
  const api = o.kubeConfig.makeApiClient(VersionApi);
  const budget = o.reachTimeoutMs ?? 4000;
  const deadline = Date.now() + budget;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await timeout(api.getCode(), Math.max(250, Math.min(2000, deadline - Date.now())));
      return;
    } catch (err) {
      const status = apiStatus(err);
      if (status?.code === 401) {
        throw new InputError(
          `the API server ${server} did not accept the credentials of ${o.kubeconfigSource} (401 Unauthorized); check ${(o.flags ?? FLAGS).kubeconfig}`,
        );
      }
      if (status) return; // it answered
      last = err;
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const seconds = Math.round(budget / 100) / 10;
  throw new InputError(
    `cannot reach the Kubernetes API server ${server} (${networkReason(last)}, for ${seconds} s); check that it is running and that ${(o.flags ?? FLAGS).kubeconfig} (now ${o.kubeconfigSource}) points at it`,
  );
}

/** The Lease can be read, and created if it is missing: the namespace exists and RBAC allows it. */
async function checkLease(o: PreflightOptions, lease: { namespace: string; name: string }): Promise<void> {
  const flags = o.flags ?? FLAGS;
  const { namespace, name } = lease;
  const verdict = await timeout(checkLeaseAccess(o.kubeConfig, lease), 10_000);
  if (verdict.ok) return;
  if (verdict.problem === 'forbidden') {
    throw new InputError(
      `the API server refused to ${verdict.verb} the leader-election Lease ${namespace}/${name} (403 Forbidden: ${verdict.message}); grant the identity in ${o.kubeconfigSource} get, create and update on leases (API group coordination.k8s.io) in namespace ${namespace}, as deploy/rbac.yaml's Role berth-leader-election does, or run a single replica with ${flags.noLeaderElect}`,
    );
  }
  throw new InputError(
    `the leader-election namespace "${namespace}" does not exist, so no replica can take the lease and berth would wait forever; either create it (kubectl create namespace ${namespace}), or name an existing one with ${flags.leaseNamespace}, or run a single replica without leader election: ${flags.noLeaderElect}`,
  );
}

/** The Berth CRD is served: without it every watch answers 404 and nothing happens. */
async function checkCrds(o: PreflightOptions): Promise<void> {
  const [group = '', version = ''] = BERTH_API_VERSION.split('/');
  const api = o.kubeConfig.makeApiClient(CustomObjectsApi);
  try {
    await timeout(api.listClusterCustomObject({ group, version, plural: BERTH_PLURAL, limit: 1 }), 5000);
  } catch (err) {
    const status = apiStatus(err);
    if (status?.code === 404) {
      throw new InputError(
        `the cluster does not serve ${BERTH_PLURAL}.${group} (the Berth and PlacementPolicy CRDs are not installed); install them with ${(o.flags ?? FLAGS).installCrds}, the Helm chart, or kubectl apply -f deploy/crds`,
      );
    }
    if (status?.code === 403) {
      throw new InputError(
        `the API server refused to list ${BERTH_PLURAL}.${group} (403 Forbidden: ${status.message}); grant the identity in ${o.kubeconfigSource} the ClusterRole of deploy/rbac.yaml`,
      );
    }
    throw err;
  }
}

/** Throws an InputError saying what is wrong and how to fix it; resolves when berth can start. */
export async function preflight(o: PreflightOptions): Promise<void> {
  const server = o.kubeConfig.getCurrentCluster()?.server;
  if (!server) {
    throw new InputError(
      `${o.kubeconfigSource} names no cluster to talk to (current context "${o.kubeConfig.getCurrentContext() || 'none'}"); point ${(o.flags ?? FLAGS).kubeconfig} at your cluster's kubeconfig`,
    );
  }
  await checkReachable(o, server);
  if (o.leaderElection) await checkLease(o, o.leaderElection);
  if (o.crds !== false) await checkCrds(o);
}
