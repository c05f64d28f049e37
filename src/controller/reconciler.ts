import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import {
  ANNOTATION_POLICY,
  BERTH_API_VERSION,
  BERTH_KIND,
  type BerthObject,
  type BerthPhase,
  type BerthSpec,
  type BerthStatus,
  CapacityError,
  type CostLedger,
  type Decision,
  FINALIZER,
  InputError,
  type Instance,
  LABEL_CLUSTER,
  LABEL_POD_UID,
  type NodeProvider,
  type Policy,
} from '../model/index.ts';
import type { ControllerMetrics } from './metrics.ts';
import { claimFor, nodeNameFor } from './claim.ts';
import { type Step, isTerminal, nextStep } from './next-step.ts';
import type { PlacementEngine } from '../placement/engine.ts';
import type { ClusterView, ClusterWriter } from './ports.ts';
import type { UnavailableOfferings } from './unavailable.ts';

export interface ReconcilerOptions {
  /** Labels every Berth, so each installation (scheduler name) watches only its own. */
  owner: string;
  /** A node not Ready this long after its launch is given up and replaced. */
  readyTimeoutMs: number;
}

export interface ReconcilerDeps {
  view: ClusterView;
  writer: ClusterWriter;
  provider: NodeProvider;
  ledger: CostLedger;
  engine: PlacementEngine;
  unavailable: UnavailableOfferings;
  resolvePolicy: (pod: V1Pod) => Policy;
  metrics: ControllerMetrics;
  log: Logger;
  /** Queue the key again after a delay (timeouts, waiting on a launch). */
  requeueAfter: (key: string, ms: number) => void;
  requeue: (key: string) => void;
  options: ReconcilerOptions;
}

/** A launch runs outside the worker that started it, so a slow boot never holds a worker. */
interface Launch {
  claimId: string;
  abort: AbortController;
  done: boolean;
  instance?: Instance;
  error?: unknown;
}

/**
 * Drives one pod from pending to its own node and back to nothing. Each call
 * reads the caches, takes one step of `nextStep`, and returns; every write
 * is keyed by the Berth so repeating a step never buys a second machine.
 */
export class Reconciler {
  private readonly launches = new Map<string, Launch>();
  /** Pods nothing fitted, retried when the catalog or a policy changes. */
  readonly unplaced = new Set<string>();

  constructor(private readonly d: ReconcilerDeps) {}

  async reconcile(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const pod = this.d.view.pod(namespace, name);
    const berth = this.d.view.berth(namespace, name);
    const step = nextStep({ pod, berth, readyNode: berth ? this.readyNode(berth) : undefined });
    if (step.kind === 'teardown' && !pod && berth && (await this.stillRunning(berth))) {
      // The cache lost sight of a pod the API server still runs: never take its machine for that.
      this.d.log.warn({ key }, 'pod missing from the cache but alive; waiting for the watch');
      this.d.requeueAfter(key, 1000);
      return;
    }
    if (step.kind !== 'nothing') this.d.log.debug({ key, step: step.kind }, 'reconcile');
    await this.act(key, step, pod, berth);
  }

  private async stillRunning(berth: BerthObject): Promise<boolean> {
    const live = await this.d.view.readPod(berth.spec.pod.namespace, berth.spec.pod.name);
    return (
      live !== undefined &&
      live.metadata?.uid === berth.spec.pod.uid &&
      !live.metadata?.deletionTimestamp &&
      !isTerminal(live)
    );
  }

  private async act(
    key: string,
    step: Step,
    pod: V1Pod | undefined,
    berth: BerthObject | undefined,
  ): Promise<void> {
    switch (step.kind) {
      case 'nothing':
        return;
      case 'decide':
        return this.decideAndRecord(key, pod!);
      case 'redecide':
        return this.redecide(key, pod!, berth!);
      case 'launch':
        return this.launch(key, pod!, berth!);
      case 'bind':
        return this.bind(pod!, berth!, step.nodeName);
      case 'record-bound':
        return this.recordBound(pod!, berth!, step.nodeName);
      case 'teardown':
        return this.teardown(key, pod, berth!);
      case 'release':
        this.unplaced.delete(key);
        await this.d.writer.releaseBerth(berth!.metadata.namespace, berth!.metadata.name);
        if (step.deleteBerth)
          await this.d.writer.deleteBerth(berth!.metadata.namespace, berth!.metadata.name);
        return;
    }
  }

  /**
   * Right-size and decide. A pod or policy berth cannot read is a failure
   * with its reason (recorded on the Berth), retried when a policy or the
   * catalog changes, not in a busy loop.
   */
  private async decide(pod: V1Pod): Promise<{ decision: Decision } | { failed: Failure }> {
    const started = performance.now();
    try {
      const policy = this.d.resolvePolicy(pod);
      const daemonSets = this.d.view
        .daemonSets()
        .map((ds) => ds.spec?.template.spec)
        .filter((s) => s !== undefined);
      return { decision: this.d.engine.decide(pod, policy, daemonSets, this.d.unavailable.snapshot()) };
    } catch (err) {
      if (err instanceof InputError)
        return { failed: { reason: 'InvalidPlacementInput', message: err.message } };
      // Not the input's fault: a bug to fix, so it is logged whole as well.
      this.d.log.error({ pod: podName(pod), err }, 'deciding failed');
      return { failed: { reason: 'DecisionFailed', message: errorMessage(err) } };
    } finally {
      this.d.metrics.decisionSeconds.observe((performance.now() - started) / 1000);
    }
  }

  /** A new Berth for the pod, with the finalizer and the owner reference. */
  private newBerth(pod: V1Pod, spec: Omit<BerthSpec, 'pod' | 'podLabels'>): BerthObject {
    const meta = pod.metadata!;
    return {
      apiVersion: BERTH_API_VERSION,
      kind: BERTH_KIND,
      metadata: {
        name: meta.name!,
        namespace: meta.namespace!,
        finalizers: [FINALIZER],
        labels: { [LABEL_CLUSTER]: this.d.options.owner },
        ownerReferences: [
          { apiVersion: 'v1', kind: 'Pod', name: meta.name!, uid: meta.uid!, controller: false },
        ],
      },
      spec: {
        pod: { name: meta.name!, namespace: meta.namespace!, uid: meta.uid! },
        ...spec,
        ...(meta.labels ? { podLabels: meta.labels } : {}),
      },
    };
  }

  /**
   * A pod berth cannot place for a reason of input gets a Berth in phase
   * Failed with the reason, so every berth pod shows in `kubectl get berths`;
   * it is decided again when a policy or the catalog changes. Written (and
   * announced) only when the verdict is new.
   */
  private async recordFailed(
    key: string,
    pod: V1Pod,
    berth: BerthObject | undefined,
    failed: Failure,
  ): Promise<void> {
    this.unplaced.add(key);
    const status = berth?.status;
    if (status?.phase === 'Failed' && status.reason === failed.reason && status.message === failed.message)
      return;
    const { namespace, name } = pod.metadata as { namespace: string; name: string };
    const policy = pod.metadata?.annotations?.[ANNOTATION_POLICY] ?? '';
    if (berth) {
      await this.d.writer.patchBerthSpec(namespace, name, { explanation: failed.message });
    } else {
      await this.d.writer.createBerth(
        this.newBerth(pod, { policy, fallbacks: [], explanation: failed.message }),
      );
    }
    await this.d.writer.patchBerthStatus(namespace, name, {
      phase: 'Failed',
      reason: failed.reason,
      message: failed.message,
      timestamps: { ...status?.timestamps, Failed: now() },
    });
    await this.d.writer.event(pod, 'Warning', failed.reason, failed.message);
  }

  private async decideAndRecord(key: string, pod: V1Pod): Promise<void> {
    const outcome = await this.decide(pod);
    if ('failed' in outcome) return this.recordFailed(key, pod, undefined, outcome.failed);
    const { decision } = outcome;
    const meta = pod.metadata!;
    const chosen = decision.chosen;
    const berth = this.newBerth(pod, {
      policy: decision.policyName,
      ...(chosen ? { offering: this.d.engine.placed(chosen.offering, chosen.pricePerHour) } : {}),
      // The disk and kubelet maxPods the decision priced, for the provider to launch with.
      ...(chosen?.node ? { node: chosen.node } : {}),
      fallbacks: decision.fallbacks.map((c) => this.d.engine.placed(c.offering, c.pricePerHour)),
      explanation: decision.explanation,
    });
    await this.d.writer.createBerth(berth);
    if (!chosen) {
      this.unplaced.add(key);
      this.d.metrics.noFit.inc();
      await this.d.writer.patchBerthStatus(meta.namespace!, meta.name!, {
        phase: 'Pending',
        reason: 'NoFit',
        message: decision.explanation,
        timestamps: { Pending: now() },
      });
      await this.d.writer.event(pod, 'Warning', 'NoFit', decision.explanation);
      return;
    }
    this.unplaced.delete(key);
    this.d.requeue(key); // the view already holds the new Berth
  }

  private async redecide(key: string, pod: V1Pod, berth: BerthObject): Promise<void> {
    const outcome = await this.decide(pod);
    if ('failed' in outcome) return this.recordFailed(key, pod, berth, outcome.failed);
    const { decision } = outcome;
    if (!decision.chosen) {
      this.unplaced.add(key);
      if (berth.status?.phase === 'Failed') {
        // The input was fixed, but nothing fits it yet: say that instead.
        const { namespace, name } = berth.metadata;
        this.d.metrics.noFit.inc();
        await this.d.writer.patchBerthSpec(namespace, name, {
          policy: decision.policyName,
          explanation: decision.explanation,
        });
        await this.d.writer.patchBerthStatus(namespace, name, {
          phase: 'Pending',
          reason: 'NoFit',
          message: decision.explanation,
          timestamps: { ...berth.status.timestamps, Pending: now() },
        });
        await this.d.writer.event(pod, 'Warning', 'NoFit', decision.explanation);
      }
      return;
    }
    this.unplaced.delete(key);
    await this.d.writer.patchBerthSpec(berth.metadata.namespace, berth.metadata.name, {
      policy: decision.policyName,
      offering: this.d.engine.placed(decision.chosen.offering, decision.chosen.pricePerHour),
      node: decision.chosen.node, // undefined (serverless) clears an earlier machine's settings
      fallbacks: decision.fallbacks.map((c) => this.d.engine.placed(c.offering, c.pricePerHour)),
      explanation: decision.explanation,
    });
    await this.d.writer.patchBerthStatus(berth.metadata.namespace, berth.metadata.name, {
      phase: 'Pending',
      reason: '',
      message: '',
    });
  }

  private attempt(berth: BerthObject): number {
    return berth.status?.attempts ?? 0;
  }

  /**
   * The Ready node of the current attempt: by the name berth gave it, or, on
   * clouds where the kubelet names the node itself (EKS: private DNS), by the
   * pod-uid label it registered with.
   */
  private readyNode(berth: BerthObject): string | undefined {
    const uid = berth.spec.pod.uid;
    const named = this.d.view.node(nodeNameFor(uid, this.attempt(berth)));
    const node =
      named ??
      this.d.view
        .nodes()
        .find((n) => n.metadata?.labels?.[LABEL_POD_UID] === uid && !n.metadata?.deletionTimestamp);
    const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    return ready && !node?.spec?.unschedulable ? node?.metadata?.name : undefined;
  }

  private async launch(key: string, pod: V1Pod, berth: BerthObject): Promise<void> {
    const placed = berth.spec.offering!;
    const offering = this.d.engine.offering(placed.id);
    if (!offering) {
      // The catalog changed under a recorded decision (e.g. after a restart): decide again.
      await this.d.writer.patchBerthSpec(berth.metadata.namespace, berth.metadata.name, {
        offering: undefined,
      });
      this.d.requeue(key);
      return;
    }
    const attempt = this.attempt(berth);
    const claim = claimFor(berth, offering, attempt, this.d.options.owner);
    const { namespace, name } = berth.metadata;
    const current = this.launches.get(key);

    if (!current || current.claimId !== claim.id) {
      current?.abort.abort();
      if (berth.status?.phase !== 'Launching') {
        await this.d.writer.patchBerthStatus(namespace, name, {
          phase: 'Launching',
          attempts: attempt,
          timestamps: { ...berth.status?.timestamps, Launching: now() },
        });
      }
      const launch: Launch = { claimId: claim.id, abort: new AbortController(), done: false };
      this.launches.set(key, launch);
      this.d.provider
        .launch(claim, launch.abort.signal)
        .then((instance) => {
          launch.instance = instance;
        })
        .catch((err: unknown) => {
          launch.error = err;
        })
        .finally(() => {
          launch.done = true;
          if (!launch.abort.signal.aborted) this.d.requeue(key);
        });
      this.d.requeueAfter(key, this.d.options.readyTimeoutMs);
      return;
    }
    if (!current.done) return;
    if (current.error !== undefined) {
      this.launches.delete(key);
      await this.launchFailed(key, pod, berth, current.error);
      return;
    }
    // Launched; the node informer requeues us when it turns Ready. Give up on it after the timeout.
    const since = Date.parse(berth.status?.timestamps?.Launching ?? '') || Date.now();
    const waited = Date.now() - since;
    if (waited < this.d.options.readyTimeoutMs) {
      this.d.requeueAfter(key, this.d.options.readyTimeoutMs - waited + 100);
      return;
    }
    this.d.metrics.launchFailures.inc({ reason: 'not-ready' });
    this.launches.delete(key);
    await this.terminateMachine(claim.nodeName, current.instance?.id);
    // A machine that never became Ready was still paid for, from its launch until now.
    await this.recordInterval(berth, pod, since, now(), 'NodeNotReady');
    await this.d.writer.event(
      pod,
      'Warning',
      'NodeNotReady',
      `node ${claim.nodeName} was not Ready within ${Math.round(this.d.options.readyTimeoutMs / 1000)}s; replacing it`,
    );
    await this.d.writer.patchBerthStatus(namespace, name, {
      phase: 'Launching',
      attempts: attempt + 1,
      reason: 'NodeNotReady',
      message: `node ${claim.nodeName} not Ready in time`,
      timestamps: { ...berth.status?.timestamps, Launching: now() },
    });
  }

  /** A capacity error moves to the next fallback (or a fresh decision); anything else is retried with backoff. */
  private async launchFailed(key: string, pod: V1Pod, berth: BerthObject, err: unknown): Promise<void> {
    const { namespace, name } = berth.metadata;
    if (!(err instanceof CapacityError)) {
      this.d.metrics.launchFailures.inc({ reason: 'error' });
      throw err;
    }
    this.d.metrics.launchFailures.inc({ reason: err.reason });
    this.d.unavailable.mark(err.offeringId);
    const next = berth.spec.fallbacks.find(
      (f) => !this.d.unavailable.has(f.id) && this.d.engine.offering(f.id),
    );
    const attempts = this.attempt(berth) + 1;
    if (next) {
      await this.d.writer.event(
        pod,
        'Warning',
        'CapacityUnavailable',
        `${berth.spec.offering?.instanceType} ${berth.spec.offering?.capacityType}: ${err.reason}; trying ${next.instanceType} ${next.capacityType} at $${next.pricePerHour.toFixed(4)}/h`,
      );
      await this.d.writer.patchBerthSpec(namespace, name, {
        offering: next,
        fallbacks: berth.spec.fallbacks.filter((f) => f.id !== next.id),
      });
    } else {
      await this.d.writer.event(
        pod,
        'Warning',
        'CapacityUnavailable',
        `${err.message}; no fallback left, deciding again`,
      );
      await this.d.writer.patchBerthSpec(namespace, name, { offering: undefined, fallbacks: [] });
    }
    await this.d.writer.patchBerthStatus(namespace, name, {
      phase: 'Launching',
      attempts,
      reason: 'CapacityUnavailable',
      message: err.message,
      timestamps: { ...berth.status?.timestamps, Launching: now() },
    });
    this.d.requeue(key);
  }

  private async bind(pod: V1Pod, berth: BerthObject, nodeName: string): Promise<void> {
    const meta = pod.metadata!;
    await this.d.writer.bind({ namespace: meta.namespace!, name: meta.name!, uid: meta.uid! }, nodeName);
    const o = berth.spec.offering!;
    await this.d.writer.event(
      pod,
      'Normal',
      'Placed',
      `bound to ${nodeName}: ${o.instanceType} ${o.capacityType} in ${o.zone ?? o.region} at $${o.pricePerHour.toFixed(4)}/h (${o.source.kind}${o.source.estimated ? ', estimated' : ''}). ${berth.spec.explanation}`,
    );
    // One line per placement at the default level: what an operator greps for.
    this.d.log.info(
      {
        pod: `${meta.namespace}/${meta.name}`,
        node: nodeName,
        offering: o.id,
        pricePerHour: o.pricePerHour,
      },
      'placed',
    );
    await this.recordBound(pod, berth, nodeName);
  }

  private async recordBound(pod: V1Pod, berth: BerthObject, nodeName: string): Promise<void> {
    const key = `${berth.metadata.namespace}/${berth.metadata.name}`;
    const launch = this.launches.get(key);
    const node = this.d.view.node(nodeName);
    const providerId = node?.spec?.providerID ?? launch?.instance?.providerId;
    await this.d.writer.patchBerthStatus(berth.metadata.namespace, berth.metadata.name, {
      phase: 'Bound',
      nodeName,
      instanceId: launch?.instance?.id ?? providerId,
      ...(providerId ? { providerId } : {}),
      reason: '',
      message: '',
      timestamps: { ...berth.status?.timestamps, Bound: now() },
    });
    this.launches.delete(key);
    const created = pod.metadata?.creationTimestamp;
    if (created)
      this.d.metrics.pendingToBoundSeconds.observe((Date.now() - new Date(created).getTime()) / 1000);
  }

  /** Free the machine, close the cost interval, and mark the Berth Terminated. */
  private async teardown(key: string, pod: V1Pod | undefined, berth: BerthObject): Promise<void> {
    const launch = this.launches.get(key);
    launch?.abort.abort();
    this.launches.delete(key);
    const status = berth.status;
    const nodeName = status?.nodeName ?? nodeNameFor(berth.spec.pod.uid, this.attempt(berth));
    const instanceId =
      status?.instanceId ?? launch?.instance?.id ?? this.d.view.node(nodeName)?.spec?.providerID;
    await this.terminateMachine(nodeName, instanceId);

    const started = status?.timestamps?.Launching ?? status?.timestamps?.Bound;
    if (started) {
      await this.recordInterval(
        berth,
        pod,
        Date.parse(started),
        finishedAt(pod) ?? now(),
        terminationReason(pod, berth),
      );
    }
    const phase: BerthPhase = 'Terminated';
    const patch: Partial<BerthStatus> = {
      phase,
      reason: terminationReason(pod, berth),
      timestamps: { ...status?.timestamps, Terminated: now() },
    };
    await this.d.writer.patchBerthStatus(berth.metadata.namespace, berth.metadata.name, patch);
    this.d.log.info(
      { pod: `${berth.spec.pod.namespace}/${berth.spec.pod.name}`, node: nodeName, reason: patch.reason },
      'torn down',
    );
  }

  /**
   * The cost of the Berth's current machine, from its launch (`since`, ms) to
   * `end`. Each machine of a claim gets its own interval (the ledger keys them
   * by start), so replaced machines are counted too.
   */
  private async recordInterval(
    berth: BerthObject,
    pod: V1Pod | undefined,
    since: number,
    end: string,
    reason: string,
  ): Promise<void> {
    const o = berth.spec.offering;
    if (!o) return;
    const start = new Date(Math.min(since, Date.parse(end))).toISOString();
    await this.d.ledger.record({
      berth: `${berth.metadata.namespace}/${berth.metadata.name}`,
      pod: berth.spec.pod,
      labels: berth.spec.podLabels ?? pod?.metadata?.labels ?? {},
      offeringId: o.id,
      cloud: o.cloud,
      region: o.region,
      ...(o.zone ? { zone: o.zone } : {}),
      instanceType: o.instanceType,
      capacityType: o.capacityType,
      pricePerHour: o.pricePerHour,
      ...(o.onDemandPricePerHour !== undefined ? { onDemandPricePerHour: o.onDemandPricePerHour } : {}),
      start,
      end,
      reason,
    });
  }

  /** Delete the Node and terminate the instance; both are idempotent. */
  private async terminateMachine(nodeName: string, instanceId: string | undefined): Promise<void> {
    if (this.d.view.node(nodeName)) await this.d.writer.deleteNode(nodeName);
    if (instanceId) {
      await this.d.provider.terminate(instanceId);
    } else {
      // Launch outcome unknown (e.g. a restart mid-launch): the garbage collector finds it by tag.
      this.d.log.debug({ nodeName }, 'no instance id recorded; leaving it to garbage collection');
    }
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}

function now(): string {
  return new Date().toISOString();
}

/** Why a pod could not be decided: the Berth's status reason and message. */
interface Failure {
  reason: 'InvalidPlacementInput' | 'DecisionFailed';
  message: string;
}

function podName(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function finishedAt(pod: V1Pod | undefined): string | undefined {
  if (!pod || !isTerminal(pod)) return undefined;
  const times = (pod.status?.containerStatuses ?? [])
    .map((c) => c.state?.terminated?.finishedAt)
    .filter((t) => t !== undefined)
    .map((t) => new Date(t).getTime());
  return times.length > 0 ? new Date(Math.max(...times)).toISOString() : undefined;
}

function terminationReason(pod: V1Pod | undefined, berth: BerthObject): string {
  if (!pod || pod.metadata?.uid !== berth.spec.pod.uid) return 'PodDeleted';
  if (pod.metadata?.deletionTimestamp) return 'PodDeleted';
  if (pod.status?.phase === 'Succeeded') return 'PodSucceeded';
  if (pod.status?.phase === 'Failed') return 'PodFailed';
  return 'BerthDeleted';
}
