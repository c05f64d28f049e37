import type { CostInterval } from '../model/index.ts';

/**
 * What an interval costs. AWS (Linux EC2), GCP (Compute Engine) and Azure
 * bill running machines per second with a one-minute minimum; we apply that
 * one rule everywhere. Simplifications: Windows and some marketplace images
 * bill per hour on AWS, serverless platforms (Fargate, Autopilot, ACI) have
 * their own minimums, disks, network and the time a machine spends shutting
 * down are not counted, and spot is charged at the price recorded at launch,
 * not the market price of each second.
 */
export const BILLING_MINIMUM_SECONDS = 60;

/** Seconds charged for a machine that ran `seconds`: whole seconds rounded up, never below the minimum. */
export function chargedSeconds(seconds: number): number {
  return Math.max(BILLING_MINIMUM_SECONDS, Math.ceil(Math.max(0, seconds)));
}

/** Seconds charged for an interval. */
export function billedSeconds(i: Pick<CostInterval, 'start' | 'end'>): number {
  return chargedSeconds((Date.parse(i.end) - Date.parse(i.start)) / 1000);
}

export function billedHours(i: Pick<CostInterval, 'start' | 'end'>): number {
  return billedSeconds(i) / 3600;
}

/** USD paid for the interval. */
export function intervalCost(i: CostInterval): number {
  return i.pricePerHour * billedHours(i);
}

/** USD the same machine time would have cost on demand; the price paid when no twin is known. */
export function onDemandCost(i: CostInterval): number {
  return (i.onDemandPricePerHour ?? i.pricePerHour) * billedHours(i);
}

/** USD saved against on-demand; negative when the choice cost more. */
export function savings(i: CostInterval): number {
  return onDemandCost(i) - intervalCost(i);
}

/** Savings as a percentage of the on-demand cost; 0 when there was nothing to save on. */
export function savingsPct(cost: number, onDemand: number): number {
  return onDemand > 0 ? ((onDemand - cost) / onDemand) * 100 : 0;
}
