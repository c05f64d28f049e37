import type { V1Pod } from '@kubernetes/client-node';
import type { BerthObject } from '../model/index.ts';
import type { StepContext } from './step-context.ts';

/**
 * The cost of the Berth's current machine, from its launch (`since`, ms) to
 * `end`. Each machine of a claim gets its own interval (the ledger keys them
 * by start), so replaced machines are counted too.
 */
export async function recordInterval(
  ctx: StepContext,
  berth: BerthObject,
  pod: V1Pod | undefined,
  since: number,
  end: string,
  reason: string,
): Promise<void> {
  const o = berth.spec.offering;
  if (!o) return;
  const start = new Date(Math.min(since, Date.parse(end))).toISOString();
  await ctx.ledger.record({
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
