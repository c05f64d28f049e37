/**
 * A work queue keyed by object: a key queued many times is processed once, a
 * key is never processed by two workers at once (a change that arrives while
 * it runs queues it again), and failures come back with exponential backoff.
 */
export interface WorkQueueOptions {
  concurrency: number;
  /** First retry delay after a failure; doubled up to maxDelayMs (default 200 ms and 5 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/**
 * A key that failed through an API server outage would otherwise wait out a
 * long doubled delay after the server is back; a few seconds keeps recovery quick.
 */
export const MAX_RETRY_DELAY_MS = 5_000;

export type Handler = (key: string, signal: AbortSignal) => Promise<void>;

export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly order: string[] = [];
  private readonly running = new Set<string>();
  private readonly dirty = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Retries after a failure, apart from `timers`: a long check-later must never hold back a retry. */
  private readonly retries = new Map<string, NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private paused: boolean;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly handler: Handler,
    private readonly options: WorkQueueOptions,
    private readonly signal: AbortSignal,
    private readonly onError: (key: string, err: unknown) => void = () => {},
    startPaused = false,
  ) {
    this.paused = startPaused;
    signal.addEventListener('abort', () => this.stop(), { once: true });
  }

  /** Start handing out keys (a queue made paused collects keys until then). */
  resume(): void {
    this.paused = false;
    this.pump();
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.running.has(key)) {
      this.dirty.add(key);
      return;
    }
    if (this.pending.has(key)) return;
    this.pending.add(key);
    this.order.push(key);
    this.pump();
  }

  /** Queue again later (e.g. to check a timeout); an earlier timer for the key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped || this.timers.has(key)) return;
    this.later(this.timers, key, delayMs);
  }

  /** Forget a key's failure count once it succeeds or is gone. */
  forget(key: string): void {
    this.failures.delete(key);
  }

  get length(): number {
    return this.order.length + this.active;
  }

  /** Resolves when nothing is queued or running (timers aside). */
  idle(): Promise<void> {
    if (this.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    for (const t of [...this.timers.values(), ...this.retries.values()]) clearTimeout(t);
    this.timers.clear();
    this.retries.clear();
  }

  private retryAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.retries.get(key));
    this.later(this.retries, key, delayMs);
  }

  /** Queue `key` after `delayMs`, keeping the timer in `timers` until it fires. */
  private later(timers: Map<string, NodeJS.Timeout>, key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      timers.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    timers.set(key, timer);
  }

  private pump(): void {
    while (!this.stopped && !this.paused && this.active < this.options.concurrency && this.order.length > 0) {
      const key = this.order.shift()!;
      this.pending.delete(key);
      this.active += 1;
      this.running.add(key);
      void this.run(key);
    }
    if (this.length === 0 && !this.paused) {
      for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handler(key, this.signal);
      this.failures.delete(key);
    } catch (err) {
      this.onError(key, err);
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      this.retryAfter(
        key,
        backoff(n, this.options.baseDelayMs ?? 200, this.options.maxDelayMs ?? MAX_RETRY_DELAY_MS),
      );
    } finally {
      this.running.delete(key);
      this.active -= 1;
      if (this.dirty.delete(key)) this.add(key);
      this.pump();
    }
  }
}

/** Exponential backoff with a ceiling: base, 2×base, 4×base, ... */
export function backoff(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, failures - 1));
}
