import type { Offering, OutOfReach, Reach } from '../model/index.ts';

/** Why an offering can't be bought through this reach; undefined when it can. */
export function outOfReach(o: Offering, reach: Reach): OutOfReach | undefined {
  if (o.cloud !== reach.cloud) return 'cloud';
  if (!reach.regions.includes(o.region)) return 'region';
  if (o.zone !== undefined && reach.zones !== undefined && !reach.zones.includes(o.zone)) return 'zone';
  if (!reach.capacityTypes.includes(o.capacityType)) return 'capacity type';
  if (o.capacityType === 'serverless' && !reach.serverless.includes(o.family)) return 'serverless platform';
  if (!reach.archs.includes(o.arch)) return 'architecture';
  return undefined;
}

export interface ReachResult {
  offerings: Offering[];
  /** What was left out, by reason, with how many and a few examples. */
  leftOut: { reason: OutOfReach; count: number; examples: string[] }[];
}

/** The offerings a provider can launch, and an account of the rest. */
export function withinReach(offerings: readonly Offering[], reach: Reach): ReachResult {
  const kept: Offering[] = [];
  const out = new Map<OutOfReach, { count: number; examples: string[] }>();
  for (const o of offerings) {
    const reason = outOfReach(o, reach);
    if (!reason) {
      kept.push(o);
      continue;
    }
    const entry = out.get(reason) ?? { count: 0, examples: [] };
    entry.count++;
    if (entry.examples.length < 3) entry.examples.push(o.id);
    out.set(reason, entry);
  }
  return { offerings: kept, leftOut: [...out].map(([reason, e]) => ({ reason, ...e })) };
}
