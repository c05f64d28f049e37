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

type Span = Pick<CostInterval, 'start' | 'end'>;

/** When the interval ends, in ms; an open one (machine still running) ends `now`. */
export function endMs(i: Span, now: number = Date.now()): number {
  return i.end === undefined ? Math.max(now, Date.parse(i.start)) : Date.parse(i.end);
}

/** Seconds charged for a machine that ran `seconds`: whole seconds rounded up, never below the minimum. */
export function chargedSeconds(seconds: number): number {
  return Math.max(BILLING_MINIMUM_SECONDS, Math.ceil(Math.max(0, seconds)));
}

/** Seconds charged for an interval; an open one up to `now`. */
export function billedSeconds(i: Span, now: number = Date.now()): number {
  return chargedSeconds((endMs(i, now) - Date.parse(i.start)) / 1000);
}

export function billedHours(i: Span, now: number = Date.now()): number {
  return billedSeconds(i, now) / 3600;
}

/** USD paid for the interval (an open one up to `now`). */
export function intervalCost(i: CostInterval, now: number = Date.now()): number {
  return i.pricePerHour * billedHours(i, now);
}

/** USD the same machine time would have cost on demand; the price paid when no twin is known. */
export function onDemandCost(i: CostInterval, now: number = Date.now()): number {
  return (i.onDemandPricePerHour ?? i.pricePerHour) * billedHours(i, now);
}

/** USD saved against on-demand; negative when the choice cost more. */
export function savings(i: CostInterval, now: number = Date.now()): number {
  return onDemandCost(i, now) - intervalCost(i, now);
}

/** Savings as a percentage of the on-demand cost; 0 when there was nothing to save on. */
export function savingsPct(cost: number, onDemand: number): number {
  return onDemand > 0 ? ((onDemand - cost) / onDemand) * 100 : 0;
}
