/** The end of a pod's life: free its machine, close its cost, and let the Berth go. */
import type { V1Pod } from '@kubernetes/client-node';
import type { BerthObject, BerthPhase, BerthStatus } from '../model/index.ts';
import { nodeNameFor } from './claim.ts';
import { recordInterval } from './cost.ts';
import { isTerminal } from './next-step.ts';
import { attemptOf, now, type StepContext } from './step-context.ts';

export async function stillRunning(ctx: StepContext, berth: BerthObject): Promise<boolean> {
  const live = await ctx.view.readPod(berth.spec.pod.namespace, berth.spec.pod.name);
  return (
    live !== undefined &&
    live.metadata?.uid === berth.spec.pod.uid &&
    !live.metadata?.deletionTimestamp &&
    !isTerminal(live)
  );
}

/** Free the machine, close the cost interval, and mark the Berth Terminated. */
export async function teardown(
  ctx: StepContext,
  key: string,
  pod: V1Pod | undefined,
  berth: BerthObject,
): Promise<void> {
  const launch = ctx.launches.get(key);
  launch?.abort.abort();
  ctx.launches.delete(key);
  const status = berth.status;
  const nodeName = status?.nodeName ?? nodeNameFor(berth.spec.pod.uid, attemptOf(berth));
  const instanceId = status?.instanceId ?? launch?.instance?.id ?? ctx.view.node(nodeName)?.spec?.providerID;
  await terminateMachine(ctx, nodeName, instanceId);

  // A machine costs from its launch; a pod a platform ran (never launched by berth), from its start.
  const started = status?.timestamps?.Launching ?? podStart(pod, berth) ?? status?.timestamps?.Bound;
  if (started) {
    await recordInterval(
      ctx,
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
  // Nothing is left to tear down, so the finalizer goes in the same write as the last phase.
  ctx.unplaced.delete(key);
  await ctx.writer.releaseBerth(berth.metadata.namespace, berth.metadata.name, {
    status: patch,
    known: berth,
  });
  ctx.log.info(
    { pod: `${berth.spec.pod.namespace}/${berth.spec.pod.name}`, node: nodeName, reason: patch.reason },
    'torn down',
  );
}

/** Delete the Node and terminate the instance; both are idempotent. */
export async function terminateMachine(
  ctx: StepContext,
  nodeName: string,
  instanceId: string | undefined,
): Promise<void> {
  if (ctx.view.node(nodeName)) await ctx.writer.deleteNode(nodeName);
  if (instanceId) {
    await ctx.provider.terminate(instanceId);
  } else {
    // Launch outcome unknown (e.g. a restart mid-launch): the garbage collector finds it by tag.
    ctx.log.debug({ nodeName }, 'no instance id recorded; leaving it to garbage collection');
  }
}

/** Drops the finalizer (and the Berth, when the step says so): nothing is left to tear down. */
export async function release(
  ctx: StepContext,
  key: string,
  berth: BerthObject,
  deleteBerth: boolean,
): Promise<void> {
  ctx.unplaced.delete(key);
  await ctx.writer.releaseBerth(berth.metadata.namespace, berth.metadata.name);
  if (deleteBerth) await ctx.writer.deleteBerth(berth.metadata.namespace, berth.metadata.name);
}

function podStart(pod: V1Pod | undefined, berth: BerthObject): string | undefined {
  const t = pod?.metadata?.uid === berth.spec.pod.uid ? pod.status?.startTime : undefined;
  return t === undefined ? undefined : new Date(t).toISOString();
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
