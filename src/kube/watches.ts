/**
 * The watches the controller runs, each with its path, list call and
 * selector in one place so the two can never disagree.
 */
import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1DaemonSet,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import {
  BERTH_API_VERSION,
  BERTH_PLURAL,
  type BerthObject,
  GROUP,
  LABEL_POD_UID,
  type PlacementPolicyObject,
  POLICY_PLURAL,
  SCHEDULER_NAME,
} from '../model/index.ts';
import { type ResourceHandlers, type ResourceWatch, type WatchOptions, watchResources } from './informer.ts';

type Options = Omit<WatchOptions, 'labelSelector' | 'fieldSelector' | 'name' | 'model'>;
const VERSION = BERTH_API_VERSION.split('/')[1] ?? 'v1alpha1';

/** Pods that asked for berth (spec.schedulerName), in every namespace, for their whole life. */
export function watchBerthPods(
  kc: KubeConfig,
  handlers: ResourceHandlers<V1Pod>,
  options: Options = {},
): ResourceWatch<V1Pod> {
  const core = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `spec.schedulerName=${SCHEDULER_NAME}`;
  return watchResources(kc, '/api/v1/pods', () => core.listPodForAllNamespaces({ fieldSelector }), handlers, {
    ...options,
    fieldSelector,
    name: 'pods',
    model: 'V1Pod',
  });
}

/** Nodes berth launched (they carry the pod-uid label). */
export function watchBerthNodes(
  kc: KubeConfig,
  handlers: ResourceHandlers<V1Node>,
  options: Options = {},
): ResourceWatch<V1Node> {
  const core = kc.makeApiClient(CoreV1Api);
  const labelSelector = LABEL_POD_UID;
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
    {
      ...options,
      name: 'daemonsets',
      model: 'V1DaemonSet',
    },
  );
}

function watchCustom<T extends { metadata: { name: string } }>(
  kc: KubeConfig,
  plural: string,
  handlers: ResourceHandlers<T>,
  options: Options,
): ResourceWatch<T> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = async (): Promise<{ items: T[]; metadata?: { resourceVersion?: string } }> =>
    // The custom-objects client is untyped; the CRD's schema is what guarantees the shape.
    custom.listClusterCustomObject({ group: GROUP, version: VERSION, plural });
  return watchResources(kc, `/apis/${GROUP}/${VERSION}/${plural}`, list, handlers, {
    ...options,
    name: plural,
  });
}

export function watchBerths(
  kc: KubeConfig,
  handlers: ResourceHandlers<BerthObject>,
  options: Options = {},
): ResourceWatch<BerthObject> {
  return watchCustom(kc, BERTH_PLURAL, handlers, options);
}

export function watchPolicies(
  kc: KubeConfig,
  handlers: ResourceHandlers<PlacementPolicyObject>,
  options: Options = {},
): ResourceWatch<PlacementPolicyObject> {
  return watchCustom(kc, POLICY_PLURAL, handlers, options);
}
