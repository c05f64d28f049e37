/**
 * The watches a berth installation runs, each with its path, list call and
 * selectors in one place so the two can never disagree. An installation is
 * known by its scheduler name: it watches the pods that name it, and only the
 * Berths and Nodes labelled as its own, so two installations with different
 * scheduler names share a cluster safely.
 */
import {
  AppsV1Api,
  CertificatesV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1CertificateSigningRequest,
  type V1DaemonSet,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  BERTH_API_VERSION,
  BERTH_PLURAL,
  type BerthObject,
  GROUP,
  LABEL_CLUSTER,
  LABEL_PLATFORM,
  LABEL_POD_UID,
  type PlacementPolicyObject,
  POLICY_PLURAL,
  type PolicySpec,
} from '../model/index.ts';
import {
  type ResourceHandlers,
  type ResourceWatch,
  type Watchable,
  type WatchOptions,
  watchResources,
} from './informer.ts';
import { defaultLogger } from './log.ts';
import { berthProblem, isUsableBerth } from './berth-check.ts';

type Options = Omit<WatchOptions, 'labelSelector' | 'fieldSelector' | 'name' | 'model'>;
const VERSION = BERTH_API_VERSION.split('/')[1] ?? 'v1alpha1';

/** The label selector of what one installation (scheduler name) owns: its Berths and its Nodes. */
export function installationSelector(schedulerName: string): string {
  return `${LABEL_CLUSTER}=${schedulerName}`;
}

/** Pods by selectors, in every namespace (list and watch with the same ones). */
function watchPods(
  kc: KubeConfig,
  selectors: { fieldSelector: string; labelSelector?: string; name: string },
  handlers: ResourceHandlers<V1Pod>,
  options: Options,
): ResourceWatch<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  const { name, ...query } = selectors;
  return watchResources(kc, '/api/v1/pods', () => core.listPodForAllNamespaces(query), handlers, {
    ...options,
    ...query,
    name,
    model: 'V1Pod',
  });
}

/** Pods that asked for this installation (spec.schedulerName), in every namespace, for their whole life. */
export function watchBerthPods(
  kc: KubeConfig,
  schedulerName: string,
  handlers: ResourceHandlers<V1Pod>,
  options: Options = {},
): ResourceWatch<V1Pod> {
  return watchPods(
    kc,
    { fieldSelector: `spec.schedulerName=${schedulerName}`, name: 'pods' },
    handlers,
    options,
  );
}

/**
 * Pods this installation's webhook sent to a serverless platform's own
 * scheduler (they carry its label and another scheduler name): berth keeps
 * their Berth and cost, the platform runs them.
 */
export function watchPlatformPods(
  kc: KubeConfig,
  schedulerName: string,
  handlers: ResourceHandlers<V1Pod>,
  options: Options = {},
): ResourceWatch<V1Pod> {
  const selectors = {
    labelSelector: `${LABEL_PLATFORM},${installationSelector(schedulerName)}`,
    fieldSelector: `spec.schedulerName!=${schedulerName}`,
    name: 'platform-pods',
  };
  return watchPods(kc, selectors, handlers, options);
}

/** Nodes this installation launched (they carry the pod-uid label and its own). */
export function watchBerthNodes(
  kc: KubeConfig,
  schedulerName: string,
  handlers: ResourceHandlers<V1Node>,
  options: Options = {},
): ResourceWatch<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const labelSelector = `${LABEL_POD_UID},${installationSelector(schedulerName)}`;
  return watchResources(kc, '/api/v1/nodes', () => core.listNode({ labelSelector }), handlers, {
    ...options,
    labelSelector,
    name: 'nodes',
    model: 'V1Node',
  });
}

/** DaemonSets, whose pods would also run on a berth node and so size it. */
export function watchDaemonSets(
  kc: KubeConfig,
  handlers: ResourceHandlers<V1DaemonSet>,
  options: Options = {},
): ResourceWatch<V1DaemonSet> {
  const apps = kc.makeApiClient(AppsV1Api);
  return watchResources(
    kc,
    '/apis/apps/v1/daemonsets',
    () => apps.listDaemonSetForAllNamespaces(),
    handlers,
    { ...options, name: 'daemonsets', model: 'V1DaemonSet' },
  );
}

/** Certificate signing requests, for approving the kubelets of machines berth launched outside a node pool. */
export function watchCertificateSigningRequests(
  kc: KubeConfig,
  handlers: ResourceHandlers<V1CertificateSigningRequest>,
  options: Options = {},
): ResourceWatch<V1CertificateSigningRequest> {
  const certificates = kc.makeApiClient(CertificatesV1Api);
  return watchResources(
    kc,
    '/apis/certificates.k8s.io/v1/certificatesigningrequests',
    () => certificates.listCertificateSigningRequest(),
    handlers,
    { ...options, name: 'certificatesigningrequests', model: 'V1CertificateSigningRequest' },
  );
}

function watchCustom<T extends Watchable>(
  kc: KubeConfig,
  plural: string,
  labelSelector: string | undefined,
  handlers: ResourceHandlers<T>,
  options: Options,
): ResourceWatch<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = async (): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> =>
    // The custom-objects client is untyped: what a list returns is checked by the caller's handlers.
    custom.listClusterCustomObject({
      group: GROUP,
      version: VERSION,
      plural,
      ...(labelSelector ? { labelSelector } : {}),
    });
  return watchResources(kc, `/apis/${GROUP}/${VERSION}/${plural}`, list, handlers, {
    ...options,
    ...(labelSelector ? { labelSelector } : {}),
    name: plural,
  });
}

export interface BerthHandlers extends ResourceHandlers<BerthObject> {
  /**
   * A Berth that cannot be used (see berthProblem) was added or changed to one,
   * with the problem; or such a Berth was deleted (problem undefined). The
   * other handlers never see it.
   */
  onMalformed?(ref: { namespace: string; name: string }, problem: string | undefined): void;
}

/** The watch of Berths: its cache holds only usable Berths, and says why it left one out. */
export interface BerthWatch extends ResourceWatch<BerthObject> {
  /** Why the Berth of that name is not in the cache though the API server has it; undefined when it is fine or absent. */
  problem(namespace: string, name: string): string | undefined;
}

/**
 * This installation's Berths, in every namespace. Each one is checked as it
 * arrives: one a person broke by hand is logged once per problem and kept
 * out of the cache, so nothing downstream reads a field that is not there.
 */
export function watchBerths(
  kc: KubeConfig,
  schedulerName: string,
  handlers: BerthHandlers,
  options: Options = {},
): BerthWatch {
  const logger = options.logger ?? defaultLogger;
  const problems = new Map<string, string>();
  const refOf = (o: Watchable) => ({ namespace: o.metadata?.namespace ?? '', name: o.metadata?.name ?? '' });
  const keyOf = (ref: { namespace: string; name: string }) => `${ref.namespace}/${ref.name}`;
  /** Records whether `o` is usable; the problem when it is not. */
  const check = (o: Watchable): string | undefined => {
    const ref = refOf(o);
    const problem = berthProblem(o);
    if (problem === undefined) {
      problems.delete(keyOf(ref));
      return undefined;
    }
    if (problems.get(keyOf(ref)) !== problem) {
      logger.warn({ berth: keyOf(ref), problem }, 'malformed Berth left alone');
      problems.set(keyOf(ref), problem);
    }
    return problem;
  };
  const inner = watchCustom<Watchable>(
    kc,
    BERTH_PLURAL,
    installationSelector(schedulerName),
    {
      onAdd: (o) => {
        const problem = check(o);
        if (problem === undefined) handlers.onAdd?.(o as BerthObject);
        else handlers.onMalformed?.(refOf(o), problem);
      },
      onUpdate: (o, old) => {
        const wasUsable = isUsableBerth(old);
        const problem = check(o);
        if (problem !== undefined) handlers.onMalformed?.(refOf(o), problem);
        else if (wasUsable) handlers.onUpdate?.(o as BerthObject, old as BerthObject);
        else handlers.onAdd?.(o as BerthObject); // repaired: new to whoever reads only usable Berths
      },
      onDelete: (o) => {
        const key = keyOf(refOf(o));
        if (problems.has(key) || !isUsableBerth(o)) {
          problems.delete(key);
          handlers.onMalformed?.(refOf(o), undefined);
        } else {
          handlers.onDelete?.(o as BerthObject);
        }
      },
    },
    options,
  );
  const usable = (o: Watchable | undefined): BerthObject | undefined =>
    o !== undefined && !problems.has(keyOf(refOf(o))) ? (o as BerthObject) : undefined;
  return {
    get: (namespace, name) => usable(inner.get(namespace, name)),
    list: (namespace) => inner.list(namespace).filter((o) => usable(o) !== undefined) as BerthObject[],
    hasSynced: () => inner.hasSynced(),
    get synced() {
      return inner.synced;
    },
    stop: () => inner.stop(),
    problem: (namespace, name) => problems.get(`${namespace}/${name}`),
  };
}

/** A PlacementPolicy as the API server has it: one without a spec exists, and means every default. */
export type WatchedPolicy = Omit<PlacementPolicyObject, 'spec'> & { spec?: PolicySpec };

/** Every PlacementPolicy: a pod of any installation may name one. */
export function watchPolicies(
  kc: KubeConfig,
  handlers: ResourceHandlers<WatchedPolicy>,
  options: Options = {},
): ResourceWatch<WatchedPolicy> {
  return watchCustom(kc, POLICY_PLURAL, undefined, handlers, options);
}
