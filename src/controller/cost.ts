import type { V1Pod } from '@kubernetes/client-node';
import type { BerthObject, CostInterval } from '../model/index.ts';
import type { StepContext } from './step-context.ts';

/**
 * The Berth's current machine as a cost interval from `start` (its launch,
 * the Berth's `Launching` time) to `end`, or open when `end` is absent. Each
 * machine of a claim gets its own interval (the ledger keys them by start),
 * so replaced machines are counted too. Prices are the ones placed.
 */
function intervalOf(
  ctx: Pick<StepContext, 'engine'>,
  berth: BerthObject,
  pod: V1Pod | undefined,
  start: string,
  end?: { at: string; reason: string },
): CostInterval | undefined {
  const o = berth.spec.offering;
  if (!o) return undefined;
  const shape = ctx.engine.offering(o.id);
  const owner = pod?.metadata?.ownerReferences?.find((r) => r.controller);
  return {
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
    priceSource: o.source,
    ...(shape
      ? {
          machine: {
            cpu: shape.cpu,
            memoryMiB: shape.memoryMiB,
            ...(shape.gpu ? { gpus: shape.gpu.count } : {}),
          },
        }
      : {}),
    ...(owner ? { controller: `${owner.kind}/${owner.name}` } : {}),
    start,
    // The start is the key, so it is kept exactly; an end stamped by another clock never precedes it.
    ...(end ? { end: Date.parse(end.at) < Date.parse(start) ? start : end.at, reason: end.reason } : {}),
  };
}

/**
 * Opens the interval of a launched machine (idempotent: the ledger keeps an
 * open interval only when it has nothing under that key), so a controller
 * that dies before teardown loses none of its cost.
 */
export async function openInterval(
  ctx: Pick<StepContext, 'ledger' | 'engine'>,
  berth: BerthObject,
  pod: V1Pod | undefined,
  start: string,
): Promise<void> {
  const interval = intervalOf(ctx, berth, pod, start);
  if (interval) await ctx.ledger.record(interval);
}

/** Closes the interval of the Berth's current machine, launched at `since` (ms), at `end`. */
export async function recordInterval(
  ctx: StepContext,
  berth: BerthObject,
  pod: V1Pod | undefined,
  since: number,
  end: string,
  reason: string,
): Promise<void> {
  const interval = intervalOf(ctx, berth, pod, new Date(since).toISOString(), { at: end, reason });
  if (!interval) return;
  if (!pod && !interval.controller) {
    // The pod is gone: keep what the open interval learnt of it at launch.
    const opened = (
      await ctx.ledger.list({
        namespace: interval.pod.namespace,
        since: interval.start,
        until: new Date(since + 1).toISOString(),
      })
    ).find(
      (i) => i.berth === interval.berth && i.pod.uid === interval.pod.uid && Date.parse(i.start) === since,
    );
    if (opened?.controller) interval.controller = opened.controller;
  }
  await ctx.ledger.record(interval);
}
