import type { Candidate, Interruption, Offering, Policy } from '../model/index.ts';

/**
 * Spot capacity with no published interruption band (all of GCP, some of
 * Azure) is assumed to be as risky as band 3 of AWS's Spot Advisor (15-20%,
 * upper figure 22): not the worst, since these clouds don't reclaim wholesale,
 * but not safe enough to pass a policy that asks for a quiet band.
 */
export const UNKNOWN_INTERRUPTION: Interruption = { band: 3, label: 'unknown', maxPct: 22 };

export function interruptionOf(o: Offering): Interruption {
  return o.interruption ?? UNKNOWN_INTERRUPTION;
}

/**
 * The price used for ranking. Spot is weighted by how often it is taken back:
 * price x (1 + riskWeight x interruption %/100), so with weight 1 a spot
 * machine interrupted up to 20% of the time ranks as if it cost 20% more.
 * Never below the price paid, which is what lets the solver stop early.
 */
export function effectivePrice(price: number, o: Offering, policy: Policy): number {
  if (o.capacityType !== 'spot') return price;
  return price * (1 + (policy.spotRiskWeight * interruptionOf(o).maxPct) / 100);
}

/** Cheapest effective price first; ties by offering id so every run ranks the same. */
export function compareCandidates(a: Candidate, b: Candidate): number {
  if (a.effectivePricePerHour !== b.effectivePricePerHour) {
    return a.effectivePricePerHour - b.effectivePricePerHour;
  }
  return a.offering.id < b.offering.id ? -1 : a.offering.id > b.offering.id ? 1 : 0;
}
