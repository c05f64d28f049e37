import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1DaemonSet,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { isNotFound } from '../kube/api-errors.ts';
import { BerthClient } from '../kube/berths.ts';
import { bindPod } from '../kube/binding.ts';
import { createEventRecorder, type EventRecorder } from '../kube/events.ts';
import { cordonNode, evictPod } from '../kube/eviction.ts';
import type { ResourceHandlers, ResourceWatch } from '../kube/informer.ts';
import type { Logger } from '../kube/log.ts';
import {
  type BerthHandlers,
  type BerthWatch,
  type WatchedPolicy,
  watchBerthNodes,
  watchBerthPods,
  watchBerths,
  watchDaemonSets,
  watchPlatformPods,
  watchPolicies,
} from '../kube/watches.ts';
import {
  BERTH_API_VERSION,
  BERTH_KIND,
  type BerthObject,
  type BerthStatus,
  FINALIZER,
  GROUP,
  POLICY_PLURAL,
  type PlacementPolicyStatus,
  type PolicySpec,
  type Toleration,
} from '../model/index.ts';
import type { ClusterView, ClusterWriter } from './ports.ts';

const VERSION = 'v1alpha1';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const JSON_PATCH = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);

export type PolicyObject = WatchedPolicy;

export interface WatchHandlers {
  pods: ResourceHandlers<V1Pod>;
  berths: BerthHandlers;
  nodes: ResourceHandlers<V1Node>;
  policies: ResourceHandlers<PolicyObject>;
}

/** The informer caches the controller reads, and the API calls it writes with. */
export class KubeCluster implements ClusterView, ClusterWriter {
  private readonly core: CoreV1Api;
  private readonly berthClient: BerthClient;
  private readonly events: EventRecorder;
  /** Our latest write of each Berth, until the watch delivers it. */
  private readonly written = new Map<string, BerthObject>();
  private watches:
    | {
        pods: ResourceWatch<V1Pod>;
        platformPods: ResourceWatch<V1Pod>;
        berths: BerthWatch;
        nodes: ResourceWatch<V1Node>;
        policies: ResourceWatch<PolicyObject>;
        daemonSets: ResourceWatch<V1DaemonSet>;
      }
    | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly schedulerName: string,
    private readonly log: Logger,
  ) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.berthClient = new BerthClient(kc);
    this.events = createEventRecorder(kc, { logger: log });
  }

  /** Starts the informers and resolves once every cache holds its first list. */
  async watch(handlers: WatchHandlers): Promise<void> {
    const options = { logger: this.log };
    this.watches = {
      pods: watchBerthPods(this.kc, this.schedulerName, handlers.pods, options),
      platformPods: watchPlatformPods(this.kc, this.schedulerName, handlers.pods, options),
      berths: watchBerths(this.kc, this.schedulerName, handlers.berths, options),
      nodes: watchBerthNodes(this.kc, this.schedulerName, handlers.nodes, options),
      policies: watchPolicies(this.kc, handlers.policies, options),
      daemonSets: watchDaemonSets(this.kc, {}, options),
    };
    await Promise.all(Object.values(this.watches).map((w) => w.hasSynced()));
  }

  async stop(): Promise<void> {
    if (this.watches) await Promise.all(Object.values(this.watches).map((w) => w.stop()));
  }

  private get w() {
    if (!this.watches) throw new Error('KubeCluster.watch() has not been called');
    return this.watches;
  }

  // ClusterView: caches only.
  pod(namespace: string, name: string): V1Pod | undefined {
    return this.w.pods.get(namespace, name) ?? this.w.platformPods.get(namespace, name);
  }
  berth(namespace: string, name: string): BerthObject | undefined {
    const key = `${namespace}/${name}`;
    if (this.w.berths.problem(namespace, name) !== undefined) {
      this.written.delete(key); // edited since our last write: that write is history
      return undefined;
    }
    const cached = this.w.berths.get(namespace, name);
    const mine = this.written.get(key);
    if (!mine) return cached;
    if (cached && resourceVersion(cached) >= resourceVersion(mine)) {
      this.written.delete(key); // the watch has caught up
      return cached;
    }
    return mine;
  }
  malformedBerth(namespace: string, name: string): string | undefined {
    return this.w.berths.problem(namespace, name);
  }
  node(name: string): V1Node | undefined {
    return this.w.nodes.get(undefined, name);
  }
  pods(): V1Pod[] {
    return [...this.w.pods.list(), ...this.w.platformPods.list()];
  }
  async readPod(namespace: string, name: string): Promise<V1Pod | undefined> {
    try {
      return await this.core.readNamespacedPod({ namespace, name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }
  berths(): BerthObject[] {
    return this.w.berths.list();
  }
  nodes(): V1Node[] {
    return this.w.nodes.list();
  }
  policy(namespace: string, name: string): PolicySpec | undefined {
    const found = this.w.policies.get(namespace, name);
    // A PlacementPolicy without a spec exists, and means every default (as its Valid condition says).
    return found ? (found.spec ?? {}) : undefined;
  }
  /** Every PlacementPolicy, for judging them all again when the offerings change. */
  policyObjects(): PolicyObject[] {
    return this.watches ? this.w.policies.list() : [];
  }
  daemonSets(): V1DaemonSet[] {
    return this.w.daemonSets.list();
  }

  // ClusterWriter: every call idempotent.
  async createBerth(berth: BerthObject): Promise<BerthObject> {
    return this.remember(await this.berthClient.create(berth));
  }
  async patchBerthSpec(namespace: string, name: string, spec: Partial<BerthObject['spec']>): Promise<void> {
    this.remember(await this.berthClient.patchSpec(namespace, name, spec));
  }
  async patchBerthStatus(
    namespace: string,
    name: string,
    status: Partial<NonNullable<BerthObject['status']>>,
  ) {
    this.remember(await this.berthClient.patchStatus(namespace, name, status));
  }
  async patchPolicyStatus(namespace: string, name: string, status: PlacementPolicyStatus): Promise<void> {
    await this.kc
      .makeApiClient(CustomObjectsApi)
      .patchNamespacedCustomObjectStatus(
        { group: GROUP, version: VERSION, plural: POLICY_PLURAL, namespace, name, body: { status } },
        MERGE_PATCH,
      );
  }
  async releaseBerth(
    namespace: string,
    name: string,
    last?: { status: Partial<BerthStatus>; known?: BerthObject },
  ): Promise<void> {
    this.written.delete(`${namespace}/${name}`);
    const after = await this.berthClient.removeFinalizer(namespace, name, FINALIZER, last ?? {});
    if (last && after) this.remember(after);
  }
  async deleteBerth(namespace: string, name: string): Promise<void> {
    this.written.delete(`${namespace}/${name}`);
    await this.berthClient.delete(namespace, name);
  }

  private remember(berth: BerthObject): BerthObject {
    this.written.set(`${berth.metadata.namespace}/${berth.metadata.name}`, berth);
    return berth;
  }
  async tolerate(pod: V1Pod, tolerations: readonly Toleration[]): Promise<void> {
    const has = pod.spec?.tolerations ?? [];
    const missing = tolerations.filter(
      (t) => !has.some((h) => h.key === t.key && h.operator === t.operator && h.effect === t.effect),
    );
    if (missing.length === 0) return;
    const ops = pod.spec?.tolerations
      ? missing.map((t) => ({ op: 'add', path: '/spec/tolerations/-', value: t }))
      : [{ op: 'add', path: '/spec/tolerations', value: missing }];
    await this.core.patchNamespacedPod(
      { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '', body: ops },
      JSON_PATCH,
    );
  }
  async bind(pod: { namespace: string; name: string; uid: string }, nodeName: string): Promise<void> {
    await bindPod(this.core, pod, nodeName);
  }
  async deleteNode(name: string): Promise<void> {
    try {
      await this.core.deleteNode({ name });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  async cordon(nodeName: string): Promise<void> {
    await cordonNode(this.core, nodeName);
  }
  async evict(namespace: string, name: string): Promise<void> {
    await evictPod(this.core, namespace, name);
  }
  async berthEvent(
    berth: { namespace: string; name: string },
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
  ): Promise<void> {
    await this.events.record({
      regarding: { kind: BERTH_KIND, apiVersion: BERTH_API_VERSION, ...berth },
      type,
      reason,
      note,
      action: reason,
    });
  }
  async event(pod: V1Pod, type: 'Normal' | 'Warning', reason: string, note: string): Promise<void> {
    const m = pod.metadata ?? {};
    await this.events.record({
      regarding: { kind: 'Pod', apiVersion: 'v1', namespace: m.namespace, name: m.name ?? '', uid: m.uid },
      type,
      reason,
      note,
      action: reason,
    });
  }
}

/**
 * resourceVersions are opaque to clients in general; etcd-backed API servers
 * issue increasing integers, which is all this comparison relies on.
 */
function resourceVersion(b: BerthObject): number {
  return Number(b.metadata.resourceVersion ?? 0);
}
