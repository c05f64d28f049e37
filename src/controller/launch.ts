/**
 * Launching the decided machine: start it once per claim, outside the worker,
 * replace it when it is not Ready in time, move down the fallbacks on a
 * capacity error.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { type BerthObject, CapacityError } from '../model/index.ts';
import { bind } from './bind.ts';
import { claimFor } from './claim.ts';
import { openInterval, recordInterval } from './cost.ts';
import { attemptOf, type Launch, now, type StepContext } from './step-context.ts';
import { terminateMachine } from './teardown.ts';

export async function launch(ctx: StepContext, key: string, pod: V1Pod, berth: BerthObject): Promise<void> {
  const placed = berth.spec.offering!;
  const offering = ctx.engine.offering(placed.id);
  if (!offering) {
    // The catalog changed under a recorded decision (e.g. after a restart): decide again.
    await ctx.writer.patchBerthSpec(berth.metadata.namespace, berth.metadata.name, {
      offering: undefined,
    });
    ctx.requeue(key);
    return;
  }
  const attempt = attemptOf(berth);
  const claim = claimFor(berth, offering, attempt, ctx.options.owner);
  const { namespace, name } = berth.metadata;
  const current = ctx.launches.get(key);

  if (!current || current.claimId !== claim.id) {
    current?.abort.abort();
    // The launch time is the cost interval's start (and key): the one recorded, or the one recorded now.
    let launchingAt = berth.status?.phase === 'Launching' ? berth.status.timestamps?.Launching : undefined;
    if (launchingAt === undefined) {
      launchingAt = now();
      await ctx.writer.patchBerthStatus(namespace, name, {
        phase: 'Launching',
        attempts: attempt,
        timestamps: { ...berth.status?.timestamps, Launching: launchingAt },
      });
    }
    const start = launchingAt;
    const launch: Launch = { claimId: claim.id, abort: new AbortController(), done: false };
    ctx.launches.set(key, launch);
    ctx.provider
      .launch(claim, launch.abort.signal)
      .then((instance) => {
        launch.instance = instance;
        // The machine exists: its cost counts from its launch, whatever happens to this process.
        // Not awaited: a ledger that is down (its writes retried) must not hold up binding.
        openInterval(ctx, berth, pod, start).catch((err: unknown) =>
          ctx.log.warn(
            { err: String(err), berth: key },
            'could not open the cost interval yet; binding retries it',
          ),
        );
      })
      .catch((err: unknown) => {
        launch.error = err;
      })
      .finally(() => {
        launch.done = true;
        if (!launch.abort.signal.aborted) ctx.requeue(key);
      });
    ctx.requeueAfter(key, ctx.options.readyTimeoutMs);
    return;
  }
  if (!current.done) return;
  if (current.error !== undefined) {
    ctx.launches.delete(key);
    await launchFailed(ctx, key, pod, berth, current.error);
    return;
  }
  const virtual = current.instance?.virtualNode;
  if (virtual) {
    // A platform's node that is already there (ACI's virtual node): tolerate it and bind.
    await ctx.writer.tolerate(pod, virtual.tolerations);
    await bind(ctx, pod, berth, virtual.name);
    return;
  }
  // Launched; the node informer requeues us when it turns Ready. Give up on it after the timeout.
  const since = Date.parse(berth.status?.timestamps?.Launching ?? '') || Date.now();
  const waited = Date.now() - since;
  if (waited < ctx.options.readyTimeoutMs) {
    ctx.requeueAfter(key, ctx.options.readyTimeoutMs - waited + 100);
    return;
  }
  ctx.metrics.launchFailures.inc({ reason: 'not-ready' });
  ctx.launches.delete(key);
  await terminateMachine(ctx, claim.nodeName, current.instance?.id);
  // A machine that never became Ready was still paid for, from its launch until now.
  await recordInterval(ctx, berth, pod, since, now(), 'NodeNotReady');
  await ctx.writer.event(
    pod,
    'Warning',
    'NodeNotReady',
    `node ${claim.nodeName} was not Ready within ${Math.round(ctx.options.readyTimeoutMs / 1000)}s; replacing it`,
  );
  await ctx.writer.patchBerthStatus(namespace, name, {
    phase: 'Launching',
    attempts: attempt + 1,
    reason: 'NodeNotReady',
    message: `node ${claim.nodeName} not Ready in time`,
    timestamps: { ...berth.status?.timestamps, Launching: now() },
  });
}

/** A capacity error moves to the next fallback (or a fresh decision); anything else is retried with backoff. */
async function launchFailed(
  ctx: StepContext,
  key: string,
  pod: V1Pod,
  berth: BerthObject,
  err: unknown,
): Promise<void> {
  const { namespace, name } = berth.metadata;
  if (!(err instanceof CapacityError)) {
    ctx.metrics.launchFailures.inc({ reason: 'error' });
    throw err;
  }
  ctx.metrics.launchFailures.inc({ reason: err.reason });
  ctx.unavailable.mark(err.offeringId);
  const next = berth.spec.fallbacks.find((f) => !ctx.unavailable.has(f.id) && ctx.engine.offering(f.id));
  const attempts = attemptOf(berth) + 1;
  if (next) {
    await ctx.writer.event(
      pod,
      'Warning',
      'CapacityUnavailable',
      `${berth.spec.offering?.instanceType} ${berth.spec.offering?.capacityType}: ${err.reason}; trying ${next.instanceType} ${next.capacityType} at $${next.pricePerHour.toFixed(4)}/h`,
    );
    await ctx.writer.patchBerthSpec(namespace, name, {
      offering: next,
      fallbacks: berth.spec.fallbacks.filter((f) => f.id !== next.id),
    });
  } else {
    await ctx.writer.event(
      pod,
      'Warning',
      'CapacityUnavailable',
      `${err.message}; no fallback left, deciding again`,
    );
    await ctx.writer.patchBerthSpec(namespace, name, { offering: undefined, fallbacks: [] });
  }
  await ctx.writer.patchBerthStatus(namespace, name, {
    phase: 'Launching',
    attempts,
    reason: 'CapacityUnavailable',
    message: err.message,
    timestamps: { ...berth.status?.timestamps, Launching: now() },
  });
  ctx.requeue(key);
}
