/** Binding the pod to its Ready node, and recording that it is bound. */
import type { V1Pod } from '@kubernetes/client-node';
import { type BerthObject, LABEL_POD_UID, type PlacedOffering } from '../model/index.ts';
import { nodeNameFor } from './claim.ts';
import { openInterval } from './cost.ts';
import { isPlatformPod } from './platform-pod.ts';
import { attemptOf, now, type StepContext } from './step-context.ts';

/**
 * The Ready node of the current attempt: by the name berth gave it, or, on
 * clouds where the kubelet names the node itself (EKS: private DNS), by the
 * pod-uid label it registered with.
 */
export function readyNode(ctx: StepContext, berth: BerthObject): string | undefined {
  const uid = berth.spec.pod.uid;
  const named = ctx.view.node(nodeNameFor(uid, attemptOf(berth)));
  const node =
    named ??
    ctx.view
      .nodes()
      .find((n) => n.metadata?.labels?.[LABEL_POD_UID] === uid && !n.metadata?.deletionTimestamp);
  const ready = node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
  return ready && !node?.spec?.unschedulable ? node?.metadata?.name : undefined;
}

/** What was placed, at what price and why: the body of a Placed event. */
function placedNote(berth: BerthObject, o: PlacedOffering): string {
  const source = `${o.source.kind}${o.source.estimated ? ', estimated' : ''}`;
  return `${o.instanceType} ${o.capacityType} in ${o.zone ?? o.region} at $${o.pricePerHour.toFixed(4)}/h (${source}: ${o.source.origin}). ${berth.spec.explanation}`;
}

export async function bind(
  ctx: StepContext,
  pod: V1Pod,
  berth: BerthObject,
  nodeName: string,
): Promise<void> {
  const meta = pod.metadata!;
  await ctx.writer.bind({ namespace: meta.namespace!, name: meta.name!, uid: meta.uid! }, nodeName);
  const o = berth.spec.offering!;
  // The Event and the Bound record are independent writes: sent together, a worker is free sooner in a burst.
  const placed = ctx.writer.event(pod, 'Normal', 'Placed', `bound to ${nodeName}: ${placedNote(berth, o)}`);
  // One line per placement at the default level: what an operator greps for.
  ctx.log.info(
    {
      pod: `${meta.namespace}/${meta.name}`,
      node: nodeName,
      offering: o.id,
      pricePerHour: o.pricePerHour,
      // Which source the price came from: the live API or the embedded catalog's source.
      priceSource: `${o.source.kind}: ${o.source.origin}`,
    },
    'placed',
  );
  await Promise.all([placed, recordBound(ctx, pod, berth, nodeName)]);
}

export async function recordBound(
  ctx: StepContext,
  pod: V1Pod,
  berth: BerthObject,
  nodeName: string,
): Promise<void> {
  const key = `${berth.metadata.namespace}/${berth.metadata.name}`;
  // Opened when the launch returned; again here (idempotent) in case that write failed or this process
  // restarted. Not awaited: binding never waits on the ledger, and teardown records the interval whatever happens.
  const launchedAt = berth.status?.timestamps?.Launching;
  if (launchedAt) {
    openInterval(ctx, berth, pod, launchedAt).catch((err: unknown) =>
      ctx.log.warn({ err: String(err), berth: key }, 'could not open the cost interval; teardown records it'),
    );
  }
  const o = berth.spec.offering;
  if (o && isPlatformPod(pod, ctx.options.owner)) {
    // The platform's scheduler placed it: say so, as a bind by berth would.
    const note = `running on ${nodeName} (${pod.spec?.schedulerName}): ${placedNote(berth, o)}`;
    await ctx.writer.event(pod, 'Normal', 'Placed', note);
  }
  const launch = ctx.launches.get(key);
  const node = ctx.view.node(nodeName);
  const providerId = node?.spec?.providerID ?? launch?.instance?.providerId;
  await ctx.writer.patchBerthStatus(berth.metadata.namespace, berth.metadata.name, {
    phase: 'Bound',
    nodeName,
    instanceId: launch?.instance?.id ?? providerId,
    ...(providerId ? { providerId } : {}),
    reason: '',
    message: '',
    timestamps: { ...berth.status?.timestamps, Bound: now() },
  });
  ctx.launches.delete(key);
  const created = pod.metadata?.creationTimestamp;
  if (created) ctx.metrics.pendingToBoundSeconds.observe((Date.now() - new Date(created).getTime()) / 1000);
}
