import { randomInt } from 'node:crypto';

/**
 * One seed drives every random choice of a chaos run (kill moments, restart
 * delays, pod durations), so BERTH_CHAOS_SEED=<n> replays a failing run.
 */
export function chaosSeed(): number {
  const given = process.env.BERTH_CHAOS_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const n = Number(given);
  if (!Number.isInteger(n) || n < 0 || n >= 2 ** 32) {
    throw new Error(`BERTH_CHAOS_SEED must be a whole number from 0 to 2^32-1, got "${given}"`);
  }
  return n;
}

/** A small seeded generator (mulberry32); each scenario takes a stream of its own, so one can be replayed alone. */
export class Random {
  private state: number;

  constructor(seed: number, stream = '') {
    let h = seed >>> 0;
    for (const c of stream) h = Math.imul(h ^ c.charCodeAt(0), 0x9e3779b1) >>> 0;
    this.state = h;
  }

  /** In [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** In [min, max). */
  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** A whole number in [min, max]. */
  int(min: number, max: number): number {
    return Math.floor(this.between(min, max + 1));
  }
}
