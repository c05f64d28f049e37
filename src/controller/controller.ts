import type { KubeConfig, V1Node, V1Pod } from '@kubernetes/client-node';
import type { Logger } from '../kube/log.ts';
import {
  type BerthObject,
  type CostLedger,
  type InterruptionNotice,
  LABEL_POD_UID,
  type NodeProvider,
  type Offering,
  type OnOffer,
  onOfferOf,
  POLICY_CONDITION_VALID,
  SCHEDULER_NAME,
} from '../model/index.ts';
import type { ControllerMetrics } from './metrics.ts';
import { collectGarbage } from './garbage-collection.ts';
import { runningTotals } from './gauges.ts';
import { handleInterruption } from './interruption.ts';
import { KubeCluster, type PolicyObject } from './kube-cluster.ts';
import { validCondition } from './policy-status.ts';
import { PlacementEngine } from '../placement/engine.ts';
import { type PolicySource, resolvePodPolicy } from './policy-resolution.ts';
import { type KubeletCsrApprover, startKubeletCsrApprover } from './kubelet-csr-approver.ts';
import { Reconciler } from './reconciler.ts';
import { UnavailableOfferings } from './unavailable.ts';
import { WorkQueue } from './work-queue.ts';

export interface ControllerConfig {
  kubeConfig: KubeConfig;
  provider: NodeProvider;
  ledger: CostLedger;
  offerings: readonly Offering[];
  policies: PolicySource;
  log: Logger;
  metrics: ControllerMetrics;
  schedulerName?: string;
  defaultPolicy?: string;
  concurrency?: number;
  readyTimeoutMs?: number;
  unavailableTtlMs?: number;
  gcIntervalMs?: number;
  /** Machines younger than this are never collected: their Berth may not be in the cache yet. */
  gcGraceMs?: number;
}

export const CONTROLLER_DEFAULTS = {
  schedulerName: SCHEDULER_NAME,
  defaultPolicy: 'default',
  concurrency: 32,
  readyTimeoutMs: 5 * 60_000,
  unavailableTtlMs: 3 * 60_000,
  gcIntervalMs: 60_000,
  gcGraceMs: 60_000,
};

/**
 * Watches berth's pods, Berths, berth's Nodes and PlacementPolicies; queues
 * the affected pod on every change; collects machines no live Berth claims.
 */
export class Controller {
  private readonly cfg: typeof CONTROLLER_DEFAULTS & ControllerConfig;
  private readonly cluster: KubeCluster;
  private readonly engine: PlacementEngine;
  private readonly unavailable: UnavailableOfferings;
  /** What the offerings sell, by name: each policy is judged against it. */
  private onOffer: OnOffer;
  private readonly podKeyByUid = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private queue: WorkQueue | undefined;
  private reconciler: Reconciler | undefined;
  private unsubscribe: (() => void) | undefined;
  private csrApprover: KubeletCsrApprover | undefined;
  private synced = false;

  constructor(config: ControllerConfig) {
    this.cfg = { ...CONTROLLER_DEFAULTS, ...config };
    this.cluster = new KubeCluster(config.kubeConfig, this.cfg.schedulerName, config.log);
    this.engine = new PlacementEngine(config.offerings, config.provider.reach.cannotHost);
    this.onOffer = onOfferOf(config.offerings);
    this.unavailable = new UnavailableOfferings(this.cfg.unavailableTtlMs);
  }

  get ready(): boolean {
    return this.synced;
  }

  /** A pod's Berth from the cache (its decision, for the cost API). */
  berth(namespace: string, name: string): BerthObject | undefined {
    return this.cluster.berth(namespace, name);
  }

  /** Resolves once the caches are synced and the first garbage collection ran. */
  async start(signal: AbortSignal): Promise<void> {
    const { log, metrics } = this.cfg;
    const queue = new WorkQueue(
      (key) => this.reconciler!.reconcile(key),
      { concurrency: this.cfg.concurrency },
      signal,
      (key, err) =>
        log.warn(
          { key, err: err instanceof Error ? err.message : String(err) },
          'reconcile failed; retrying',
        ),
      // Keys queue up while the caches fill; a teardown run before the node cache has its
      // first list would not see the node and leave the machine to garbage collection.
      true,
    );
    this.queue = queue;
    this.reconciler = new Reconciler({
      view: this.cluster,
      writer: this.cluster,
      provider: this.cfg.provider,
      ledger: this.cfg.ledger,
      engine: this.engine,
      unavailable: this.unavailable,
      resolvePolicy: (pod) => resolvePodPolicy(pod, this.cluster, this.cfg.policies, this.cfg.defaultPolicy),
      metrics,
      log,
      requeue: (key) => queue.add(key),
      requeueAfter: (key, ms) => queue.addAfter(key, ms),
      options: { readyTimeoutMs: this.cfg.readyTimeoutMs, owner: this.cfg.schedulerName },
    });
    const podKey = (p: V1Pod) => `${p.metadata?.namespace}/${p.metadata?.name}`;
    const berthSeen = (b: BerthObject) => {
      const key = `${b.metadata.namespace}/${b.metadata.name}`;
      this.podKeyByUid.set(b.spec.pod.uid, key);
      queue.add(key);
    };
    const nodeSeen = (n: V1Node) => {
      const key = this.podKeyByUid.get(n.metadata?.labels?.[LABEL_POD_UID] ?? '');
      if (key) queue.add(key);
    };
    await this.cluster.watch({
      pods: {
        onAdd: (p) => queue.add(podKey(p)),
        onUpdate: (p) => queue.add(podKey(p)),
        onDelete: (p) => queue.add(podKey(p)),
      },
      berths: {
        onAdd: berthSeen,
        onUpdate: berthSeen,
        onDelete: (b) => {
          this.podKeyByUid.delete(b.spec.pod.uid);
          queue.add(`${b.metadata.namespace}/${b.metadata.name}`);
        },
        // The reconciler reports it (on the pod when there is one) and leaves the pod alone.
        onMalformed: (ref) => queue.add(`${ref.namespace}/${ref.name}`),
      },
      nodes: { onAdd: nodeSeen, onUpdate: nodeSeen, onDelete: nodeSeen },
      // A new or changed policy gets its verdict, and may make an unplaceable pod placeable.
      policies: {
        onAdd: (p) => this.policyChanged(p),
        onUpdate: (p) => this.policyChanged(p),
      },
    });
    if (this.cfg.provider.approvesKubeletCsrs)
      this.csrApprover = startKubeletCsrApprover({
        kubeConfig: this.cfg.kubeConfig,
        provider: this.cfg.provider,
        log,
      });
    this.unsubscribe = this.cfg.provider.onInterruption?.((n) => {
      this.interrupted(n).catch((err: unknown) =>
        log.warn({ err: String(err), node: n.nodeName }, 'interruption handling failed'),
      );
    });
    await this.collectGarbage();
    queue.resume();
    this.synced = true;
    this.every(this.cfg.gcIntervalMs, () => this.collectGarbage());
    this.every(5_000, async () => this.updateGauges());
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    log.info({ offerings: this.engine.size }, 'controller started');
  }

  async stop(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    this.unsubscribe?.();
    await this.csrApprover?.stop();
    this.queue?.stop();
    await this.cluster.stop();
  }

  /**
   * New prices: decide with them from now on, judge every policy again (a
   * zone or family may have come or gone), and retry pods nothing fitted.
   */
  replaceOfferings(offerings: readonly Offering[]): void {
    this.engine.replace(offerings);
    this.onOffer = onOfferOf(offerings);
    for (const p of this.cluster.policyObjects()) this.judge(p);
    this.retryUnplaced();
  }

  /** Resolves when no work is queued or running (for tests and the demo). */
  idle(): Promise<void> {
    return this.queue?.idle() ?? Promise.resolve();
  }

  private policyChanged(p: PolicyObject): void {
    this.judge(p);
    this.retryUnplaced();
  }

  /** Records a policy's verdict in its Valid condition, when the verdict changed. */
  private judge(p: PolicyObject): void {
    const { namespace, name, generation } = p.metadata ?? {};
    if (!namespace || !name) return;
    const current = p.status?.conditions?.find((c) => c.type === POLICY_CONDITION_VALID);
    const next = validCondition(
      { name, spec: p.spec, generation },
      this.cfg.policies,
      current,
      undefined,
      this.onOffer,
    );
    if (next) {
      const others = (p.status?.conditions ?? []).filter((c) => c.type !== POLICY_CONDITION_VALID);
      this.cluster
        .patchPolicyStatus(namespace, name, {
          conditions: [...others, next],
          ...(generation ? { observedGeneration: generation } : {}),
        })
        .catch((err: unknown) =>
          this.cfg.log.warn(
            { policy: `${namespace}/${name}`, err: String(err) },
            'could not record the policy verdict',
          ),
        );
    }
  }

  private retryUnplaced(): void {
    for (const key of this.reconciler?.unplaced ?? []) this.queue?.add(key);
  }

  private every(ms: number, fn: () => Promise<void>): void {
    const t = setInterval(() => {
      fn().catch((err: unknown) => this.cfg.log.warn({ err: String(err) }, 'periodic task failed'));
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  /** Machines and Nodes no live Berth claims are removed (see garbage-collection.ts). */
  collectGarbage(): Promise<void> {
    return collectGarbage({
      view: this.cluster,
      writer: this.cluster,
      provider: this.cfg.provider,
      log: this.cfg.log,
      graceMs: this.cfg.gcGraceMs,
    });
  }

  private interrupted(notice: InterruptionNotice): Promise<void> {
    return handleInterruption(notice, {
      view: this.cluster,
      writer: this.cluster,
      podKeyOf: (uid) => this.podKeyByUid.get(uid),
    });
  }

  private updateGauges(): void {
    const { nodes, pricePerHour } = this.cfg.metrics;
    nodes.reset();
    pricePerHour.reset();
    for (const [capacityType, t] of runningTotals(this.cluster.berths())) {
      nodes.set({ capacity_type: capacityType }, t.nodes);
      pricePerHour.set({ capacity_type: capacityType }, t.pricePerHour);
    }
  }
}
