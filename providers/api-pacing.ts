/**
 * Client-side pacing of a cloud's API: one token bucket per API category
 * (EC2's per-action buckets, Compute Engine's quota groups, ARM's reads and
 * writes), filled at the rate the cloud documents, so a burst waits here
 * instead of collecting throttling errors there. A throttle still met (other
 * clients share the account's limits) cuts that bucket's refill rate; the
 * rate grows back step by step once the cloud has been quiet for a while.
 * The decisions are pure functions of a clock; only `take` sleeps.
 */

export interface BucketLimit {
  /** Tokens the bucket holds when full: the burst the cloud allows. */
  capacity: number;
  /** Tokens added per second. */
  refillPerSecond: number;
}

/** What one call spends: `cost` tokens from the bucket `bucket`. */
export interface Cost {
  bucket: string;
  cost: number;
}

export interface PacingTuning {
  /** The refill rate is multiplied by this on a throttle. Default 0.5. */
  slowFactor: number;
  /** The lowest the refill rate goes, as a fraction of the documented rate. Default 0.05. */
  floorFraction: number;
  /** A throttle-free stretch after which the rate grows one step. Default 10 s. */
  quietMs: number;
  /** Each quiet stretch multiplies the rate by this, up to the documented rate. Default 1.5. */
  recoverFactor: number;
  /** The longest a call may be queued behind others; beyond it `take` refuses at once. Default 10 min. */
  maxWaitMs: number;
  /**
   * The share of the documented capacity and rate the pacer uses. Calls
   * released on time can still reach the cloud bunched (a connection pool,
   * a slow network), so it keeps a margin. Default 0.8.
   */
  headroom: number;
}

export const DEFAULT_TUNING: PacingTuning = {
  slowFactor: 0.5,
  floorFraction: 0.05,
  quietMs: 10_000,
  recoverFactor: 1.5,
  maxWaitMs: 600_000,
  headroom: 0.8,
};

/** One bucket's state. Tokens may go below zero: that is the queue of callers already promised a turn. */
export interface BucketState {
  limit: BucketLimit;
  tokens: number;
  /** The refill rate now (the documented one, or less after throttles). */
  rate: number;
  /** When `tokens` was last brought up to date, ms. */
  at: number;
  /** The last throttle, or the last recovery step, ms; recovery counts quiet stretches from here. */
  calmSince: number;
}

export function newBucket(limit: BucketLimit, now: number): BucketState {
  return { limit, tokens: limit.capacity, rate: limit.refillPerSecond, at: now, calmSince: now };
}

/** The bucket brought up to `now`: refilled at its rate, and its rate grown back for each quiet stretch. */
export function advance(b: BucketState, now: number, t: PacingTuning = DEFAULT_TUNING): BucketState {
  if (now <= b.at) return b;
  let { rate, calmSince } = b;
  const tokens = Math.min(b.limit.capacity, b.tokens + ((now - b.at) / 1000) * rate);
  while (rate < b.limit.refillPerSecond && now - calmSince >= t.quietMs) {
    rate = Math.min(b.limit.refillPerSecond, rate * t.recoverFactor);
    calmSince += t.quietMs;
  }
  if (rate >= b.limit.refillPerSecond) calmSince = Math.max(calmSince, now - t.quietMs);
  return { ...b, tokens, rate, at: now, calmSince };
}

/**
 * Reserves `cost` tokens: the new state and how long the caller waits before
 * its turn (0 when the tokens are there). A cost above the capacity is
 * charged as the capacity, as the cloud lets a full bucket pay for it.
 */
export function reserve(
  b: BucketState,
  cost: number,
  now: number,
  t: PacingTuning = DEFAULT_TUNING,
): { state: BucketState; waitMs: number } {
  const cur = advance(b, now, t);
  const charge = Math.min(cost, cur.limit.capacity);
  const tokens = cur.tokens - charge;
  const waitMs = tokens >= 0 ? 0 : Math.ceil((-tokens / cur.rate) * 1000);
  return { state: { ...cur, tokens }, waitMs };
}

/**
 * The cloud said "slow down": the refill rate is cut (not below the floor),
 * the bucket is taken as empty, and, when the cloud said how long to wait
 * (Retry-After), nobody goes before then.
 */
export function slowDown(
  b: BucketState,
  now: number,
  retryAfterMs = 0,
  t: PacingTuning = DEFAULT_TUNING,
): BucketState {
  const cur = advance(b, now, t);
  const floor = cur.limit.refillPerSecond * t.floorFraction;
  const rate = Math.max(floor, cur.rate * t.slowFactor);
  const tokens = Math.min(0, cur.tokens) - (retryAfterMs / 1000) * rate;
  return { ...cur, rate, tokens, calmSince: now };
}

export interface BucketStats {
  capacity: number;
  documentedRate: number;
  /** The rate the pacer fills at when nothing is throttled: the documented rate less the headroom. */
  ceilingRate: number;
  rate: number;
  tokens: number;
  requests: number;
  throttled: number;
  waitSeconds: number;
}

export interface Clock {
  now(): number;
}

export interface PacerOptions {
  /** The cloud, for messages and metrics: `aws`, `gcp`, `azure`. */
  cloud: string;
  limits: Readonly<Record<string, BucketLimit>>;
  tuning?: Partial<PacingTuning>;
  clock?: Clock;
  /** Told when a throttle slows a bucket (a log line). */
  onThrottle?: (bucket: string, rate: number) => void;
}

export class PacingRefused extends Error {
  constructor(
    readonly cloud: string,
    readonly bucket: string,
    readonly waitMs: number,
  ) {
    super(
      `${cloud} API pacing: the ${bucket} bucket is booked ${Math.round(waitMs / 1000)} s ahead; ` +
        'not queued (the launch is retried later)',
    );
    this.name = 'PacingRefused';
  }
}

/** The buckets of one cloud account (or project, or subscription) as this process sees them. */
export class Pacer {
  readonly cloud: string;
  readonly #documented: Readonly<Record<string, BucketLimit>>;
  readonly #limits: Readonly<Record<string, BucketLimit>>;
  readonly #tuning: PacingTuning;
  readonly #clock: Clock;
  readonly #onThrottle: PacerOptions['onThrottle'];
  readonly #buckets = new Map<string, BucketState>();
  readonly #counts = new Map<string, { requests: number; throttled: number; waitSeconds: number }>();
  readonly #closing = new AbortController();

  constructor(o: PacerOptions) {
    this.cloud = o.cloud;
    this.#tuning = { ...DEFAULT_TUNING, ...o.tuning };
    const h = this.#tuning.headroom;
    this.#documented = o.limits;
    this.#limits = Object.fromEntries(
      Object.entries(o.limits).map(([k, l]) => [
        k,
        { capacity: Math.max(1, Math.floor(l.capacity * h)), refillPerSecond: l.refillPerSecond * h },
      ]),
    );
    this.#clock = o.clock ?? { now: () => performance.now() };
    this.#onThrottle = o.onThrottle;
  }

  #state(bucket: string): BucketState | undefined {
    const limit = this.#limits[bucket];
    if (!limit) return undefined;
    let s = this.#buckets.get(bucket);
    if (!s) {
      s = newBucket(limit, this.#clock.now());
      this.#buckets.set(bucket, s);
    }
    return s;
  }

  #count(bucket: string) {
    let c = this.#counts.get(bucket);
    if (!c) {
      c = { requests: 0, throttled: 0, waitSeconds: 0 };
      this.#counts.set(bucket, c);
    }
    return c;
  }

  /**
   * Books the costs and says how long to wait (the longest of them). Buckets
   * without a limit are free. Refuses (PacingRefused) a wait past maxWaitMs,
   * and books nothing then.
   */
  reserve(costs: readonly Cost[]): number {
    const now = this.#clock.now();
    const booked: [string, BucketState][] = [];
    let waitMs = 0;
    for (const c of costs) {
      const s = this.#state(c.bucket);
      if (!s) continue;
      const r = reserve(s, c.cost, now, this.#tuning);
      if (r.waitMs > this.#tuning.maxWaitMs) throw new PacingRefused(this.cloud, c.bucket, r.waitMs);
      booked.push([c.bucket, r.state]);
      waitMs = Math.max(waitMs, r.waitMs);
    }
    for (const [bucket, state] of booked) {
      this.#buckets.set(bucket, state);
      const n = this.#count(bucket);
      n.requests += 1;
      n.waitSeconds += waitMs / 1000;
    }
    return waitMs;
  }

  /** Waits for the call's turn; rejects when `signal` or `close` aborts the wait. */
  async take(costs: readonly Cost[], signal?: AbortSignal): Promise<void> {
    const waitMs = this.reserve(costs);
    if (waitMs <= 0) return;
    const stop = signal ? AbortSignal.any([signal, this.#closing.signal]) : this.#closing.signal;
    await new Promise<void>((resolve, reject) => {
      if (stop.aborted) return reject(stop.reason);
      const timer = setTimeout(() => {
        stop.removeEventListener('abort', onAbort);
        resolve();
      }, waitMs);
      const onAbort = () => {
        clearTimeout(timer);
        reject(stop.reason);
      };
      stop.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** A throttle met on a call of these costs: each of its buckets slows down. */
  throttled(costs: readonly Cost[], retryAfterMs = 0): void {
    const now = this.#clock.now();
    for (const c of costs) {
      const s = this.#state(c.bucket);
      if (!s) continue;
      const next = slowDown(s, now, retryAfterMs, this.#tuning);
      this.#buckets.set(c.bucket, next);
      this.#count(c.bucket).throttled += 1;
      this.#onThrottle?.(c.bucket, next.rate);
    }
  }

  stats(): Record<string, BucketStats> {
    const now = this.#clock.now();
    const out: Record<string, BucketStats> = {};
    for (const [bucket, limit] of Object.entries(this.#limits)) {
      const s = advance(this.#state(bucket) ?? newBucket(limit, now), now, this.#tuning);
      const c = this.#count(bucket);
      out[bucket] = {
        capacity: this.#documented[bucket]?.capacity ?? limit.capacity,
        documentedRate: this.#documented[bucket]?.refillPerSecond ?? limit.refillPerSecond,
        ceilingRate: limit.refillPerSecond,
        rate: s.rate,
        tokens: s.tokens,
        ...c,
      };
    }
    return out;
  }

  /** Rejects every wait in progress (the provider is closing). */
  close(): void {
    this.#closing.abort(new Error(`${this.cloud} API pacing closed`));
  }
}

/**
 * A cloud meters the account (project, subscription), whichever client sends
 * the call: the clients of one account in this process share one pacer, kept
 * here under a key the cloud's wiring chooses.
 */
const shared = new Map<string, Pacer>();

export function sharedPacer(key: string, create: () => Pacer): Pacer {
  let p = shared.get(key);
  if (!p) {
    p = create();
    shared.set(key, p);
  }
  return p;
}

/** Every shared pacer's buckets, for the metrics endpoint. */
export function sharedPacerStats(): { cloud: string; bucket: string; stats: BucketStats }[] {
  const out: { cloud: string; bucket: string; stats: BucketStats }[] = [];
  for (const p of shared.values())
    for (const [bucket, stats] of Object.entries(p.stats())) out.push({ cloud: p.cloud, bucket, stats });
  return out;
}

/** Forgets every shared pacer, rejecting the waits in progress (tests and benches that end). */
export function closeSharedPacers(): void {
  for (const p of shared.values()) p.close();
  shared.clear();
}

/** What a paced call's outcome says: not throttled, or throttled (with the cloud's Retry-After if it sent one). */
export type ThrottleVerdict = false | { retryAfterMs?: number };

/**
 * Sends `send` in its turn; a throttled answer slows the buckets and the call
 * is sent again in its next turn, up to `maxThrottles` times, so the caller
 * never sees a throttle the pacing could absorb.
 */
export async function paced<T>(
  pacer: Pacer,
  costs: readonly Cost[],
  send: () => Promise<T>,
  o: {
    /** Reads an answer (value) or a failure (error). */
    throttle: (outcome: { value: T } | { error: unknown }) => ThrottleVerdict;
    maxThrottles?: number;
    signal?: AbortSignal;
  },
): Promise<T> {
  const max = o.maxThrottles ?? 10;
  for (let throttles = 0; ; throttles++) {
    await pacer.take(costs, o.signal);
    let outcome: { value: T } | { error: unknown };
    try {
      outcome = { value: await send() };
    } catch (error) {
      outcome = { error };
    }
    const verdict = o.throttle(outcome);
    if (verdict && throttles < max) {
      pacer.throttled(costs, verdict.retryAfterMs);
      continue;
    }
    if (verdict) pacer.throttled(costs, verdict.retryAfterMs);
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }
}
