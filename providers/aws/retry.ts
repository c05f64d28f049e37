import type { EC2ClientConfig } from '@aws-sdk/client-ec2';
import { awsErrorCode, isCapacityCode } from './errors.ts';

// The SDK's own retry-strategy shape, taken from the client's config type so we depend on nothing beyond it.
type RetryStrategyV2 = Extract<
  NonNullable<EC2ClientConfig['retryStrategy']>,
  { refreshRetryTokenForRetry: unknown }
>;
type RetryToken = Awaited<ReturnType<RetryStrategyV2['acquireInitialRetryToken']>>;

/** What the SDK tells a retry strategy about a failed attempt (its RetryErrorInfo, loosened for tests). */
export interface RetryFacts {
  errorType: 'THROTTLING' | 'TRANSIENT' | 'SERVER_ERROR' | 'CLIENT_ERROR';
  error?: unknown;
  retryAfterHint?: Date;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

/** EC2 throttles per account and action; a burst of launches can meet it, so allow more tries than the SDK's 3. */
export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * How long to wait before retry number `retryCount + 1`, or undefined to give
 * up. Throttling and transient failures are retried with full-jitter
 * exponential backoff; a capacity error is an answer, not a hiccup, even
 * though EC2 sends InsufficientInstanceCapacity with HTTP 500, so it is
 * handed back at once for the controller to try the next offering.
 */
export function retryDelayMs(
  info: RetryFacts,
  retryCount: number,
  policy: RetryPolicy,
  now: number = Date.now(),
  random: () => number = Math.random,
): number | undefined {
  if (info.errorType !== 'THROTTLING' && info.errorType !== 'TRANSIENT') return undefined;
  if (isCapacityCode(awsErrorCode(info.error))) return undefined;
  if (retryCount + 1 >= policy.maxAttempts) return undefined;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retryCount);
  const jittered = Math.round(random() * ceiling);
  const hint = info.retryAfterHint instanceof Date ? info.retryAfterHint.getTime() - now : 0;
  return Math.min(policy.maxDelayMs, Math.max(jittered, hint));
}

function token(retryCount: number, delayMs: number): RetryToken {
  return { getRetryCount: () => retryCount, getRetryDelay: () => delayMs };
}

/** A retry strategy for the SDK clients that follows `retryDelayMs`. The SDK sleeps the delay, abortably. */
export function boundedRetryStrategy(policy: RetryPolicy = DEFAULT_RETRY): RetryStrategyV2 {
  return {
    acquireInitialRetryToken: async () => token(0, 0),
    refreshRetryTokenForRetry: async (previous, info) => {
      const retryCount = previous.getRetryCount();
      const delay = retryDelayMs(info, retryCount, policy);
      if (delay === undefined) throw new Error('no retry');
      return token(retryCount + 1, delay);
    },
    recordSuccess: () => {},
  };
}
