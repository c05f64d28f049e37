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
