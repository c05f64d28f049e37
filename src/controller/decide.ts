/** The first step of a pod's life: decide where it goes and record it in a new Berth (or decide again). */
import type { V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_POLICY,
  BERTH_API_VERSION,
  BERTH_KIND,
  type BerthObject,
  type BerthSpec,
  type BerthStatus,
  type Decision,
  FINALIZER,
  InputError,
  LABEL_CLUSTER,
} from '../model/index.ts';
import { admittedOffering, asAdmitted, asAdmittedPod, isPlatformPod } from './platform-pod.ts';
import { errorMessage, now, podName, type StepContext } from './step-context.ts';

/** Why a pod could not be decided: the Berth's status reason and message. */
interface Failure {
  reason: 'InvalidPlacementInput' | 'DecisionFailed';
  message: string;
}

/**
 * Right-size and decide. A pod or policy berth cannot read is a failure
 * with its reason (recorded on the Berth), retried when a policy or the
 * catalog changes, not in a busy loop.
 */
async function decide(ctx: StepContext, pod: V1Pod): Promise<{ decision: Decision } | { failed: Failure }> {
  const started = performance.now();
  try {
    const policy = ctx.resolvePolicy(pod);
    const daemonSets = ctx.view
      .daemonSets()
      .map((ds) => ds.spec?.template.spec)
      .filter((s) => s !== undefined);
    if (!isPlatformPod(pod, ctx.options.owner)) {
      return { decision: ctx.engine.decide(pod, policy, daemonSets, ctx.unavailable.snapshot()) };
    }
    const decision = ctx.engine.decide(asAdmittedPod(pod), policy, daemonSets, ctx.unavailable.snapshot());
    return { decision: asAdmitted(decision, admittedOffering(pod)) };
  } catch (err) {
    if (err instanceof InputError)
      return { failed: { reason: 'InvalidPlacementInput', message: err.message } };
    // Not the input's fault: a bug to fix, so it is logged whole as well.
    ctx.log.error({ pod: podName(pod), err }, 'deciding failed');
    return { failed: { reason: 'DecisionFailed', message: errorMessage(err) } };
  } finally {
    ctx.metrics.decisionSeconds.observe((performance.now() - started) / 1000);
  }
}

/** A new Berth for the pod, with the finalizer and the owner reference. */
function newBerth(ctx: StepContext, pod: V1Pod, spec: Omit<BerthSpec, 'pod' | 'podLabels'>): BerthObject {
  const meta = pod.metadata!;
  return {
    apiVersion: BERTH_API_VERSION,
    kind: BERTH_KIND,
    metadata: {
      name: meta.name!,
      namespace: meta.namespace!,
      finalizers: [FINALIZER],
      labels: { [LABEL_CLUSTER]: ctx.options.owner },
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
async function recordFailed(
  ctx: StepContext,
  key: string,
  pod: V1Pod,
  berth: BerthObject | undefined,
  failed: Failure,
): Promise<void> {
  ctx.unplaced.add(key);
  const status = berth?.status;
  if (status?.phase === 'Failed' && status.reason === failed.reason && status.message === failed.message)
    return;
  const { namespace, name } = pod.metadata as { namespace: string; name: string };
  const policy = pod.metadata?.annotations?.[ANNOTATION_POLICY] ?? '';
  const verdict: BerthStatus = {
    phase: 'Failed',
    reason: failed.reason,
    message: failed.message,
    timestamps: { ...status?.timestamps, Failed: now() },
  };
  if (berth) {
    await ctx.writer.patchBerthSpec(namespace, name, { explanation: failed.message });
    await ctx.writer.patchBerthStatus(namespace, name, verdict);
  } else {
    await ctx.writer.createBerth({
      ...newBerth(ctx, pod, { policy, fallbacks: [], explanation: failed.message }),
      status: verdict,
    });
  }
  await ctx.writer.event(pod, 'Warning', failed.reason, failed.message);
}

export async function decideAndRecord(ctx: StepContext, key: string, pod: V1Pod): Promise<void> {
  const outcome = await decide(ctx, pod);
  if ('failed' in outcome) return recordFailed(ctx, key, pod, undefined, outcome.failed);
  const { decision } = outcome;
  const chosen = decision.chosen;
  const berth = newBerth(ctx, pod, {
    policy: decision.policyName,
    ...(chosen ? { offering: ctx.engine.placed(chosen.offering, chosen.pricePerHour) } : {}),
    // The disk and kubelet maxPods the decision priced, for the provider to launch with.
    ...(chosen?.node ? { node: chosen.node } : {}),
    fallbacks: decision.fallbacks.map((c) => ctx.engine.placed(c.offering, c.pricePerHour)),
    explanation: decision.explanation,
  });
  if (!chosen) {
    ctx.unplaced.add(key);
    ctx.metrics.noFit.inc();
    await ctx.writer.createBerth({
      ...berth,
      status: {
        phase: 'Pending',
        reason: 'NoFit',
        message: decision.explanation,
        timestamps: { Pending: now() },
      },
    });
    await ctx.writer.event(pod, 'Warning', 'NoFit', decision.explanation);
    return;
  }
  // The launch follows at once, so the Berth is born Launching: its first phase costs no write of its own.
  // A platform's pod is never launched for: its cost starts when the platform starts it.
  await ctx.writer.createBerth(
    isPlatformPod(pod, ctx.options.owner)
      ? berth
      : { ...berth, status: { phase: 'Launching', attempts: 0, timestamps: { Launching: now() } } },
  );
  ctx.unplaced.delete(key);
  ctx.requeue(key); // the view already holds the new Berth
}

export async function redecide(ctx: StepContext, key: string, pod: V1Pod, berth: BerthObject): Promise<void> {
  const outcome = await decide(ctx, pod);
  if ('failed' in outcome) return recordFailed(ctx, key, pod, berth, outcome.failed);
  const { decision } = outcome;
  if (!decision.chosen) {
    ctx.unplaced.add(key);
    if (berth.status?.phase === 'Failed') {
      // The input was fixed, but nothing fits it yet: say that instead.
      const { namespace, name } = berth.metadata;
      ctx.metrics.noFit.inc();
      await ctx.writer.patchBerthSpec(namespace, name, {
        policy: decision.policyName,
        explanation: decision.explanation,
      });
      await ctx.writer.patchBerthStatus(namespace, name, {
        phase: 'Pending',
        reason: 'NoFit',
        message: decision.explanation,
        timestamps: { ...berth.status.timestamps, Pending: now() },
      });
      await ctx.writer.event(pod, 'Warning', 'NoFit', decision.explanation);
    }
    return;
  }
  ctx.unplaced.delete(key);
  await ctx.writer.patchBerthSpec(berth.metadata.namespace, berth.metadata.name, {
    policy: decision.policyName,
    offering: ctx.engine.placed(decision.chosen.offering, decision.chosen.pricePerHour),
    node: decision.chosen.node, // undefined (serverless) clears an earlier machine's settings
    fallbacks: decision.fallbacks.map((c) => ctx.engine.placed(c.offering, c.pricePerHour)),
    explanation: decision.explanation,
  });
  await ctx.writer.patchBerthStatus(berth.metadata.namespace, berth.metadata.name, {
    phase: 'Pending',
    reason: '',
    message: '',
  });
}
