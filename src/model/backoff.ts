/** How a call that may be sent again is retried, whichever cloud it goes to. */
export interface BackoffPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/**
 * The wait before retry number `retry` (from 1): exponential, capped, with
 * equal jitter (half fixed, so a throttled call always backs off; half random,
 * so many clients spread out).
 */
export function backoffMs(
  retry: number,
  policy: Pick<BackoffPolicy, 'baseDelayMs' | 'maxDelayMs'>,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Calls `call` until it succeeds, fails with an error `mayRetry` refuses, or
 * has been tried `policy.maxAttempts` times, waiting `backoffMs` between
 * tries. For SDKs whose own retries don't cover a case (a rate limit).
 */
export async function withRetries<T>(
  call: () => Promise<T>,
  o: {
    policy: BackoffPolicy;
    mayRetry: (err: unknown) => boolean;
    signal?: AbortSignal;
    onRetry?: (err: unknown, attempt: number, waitMs: number) => void;
    random?: () => number;
  },
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= o.policy.maxAttempts || !o.mayRetry(err) || o.signal?.aborted) throw err;
      const wait = backoffMs(attempt, o.policy, o.random);
      o.onRetry?.(err, attempt + 1, wait);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, wait);
        o.signal?.addEventListener(
          'abort',
          () => {
            clearTimeout(t);
            reject(o.signal?.reason);
          },
          { once: true },
        );
      });
    }
  }
}
