import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { type AwsRetryOn, mayRetryAwsCall } from './aws-errors.ts';
import { backoffMs, type BackoffPolicy } from './backoff.ts';

export { backoffMs } from './backoff.ts';

/**
 * The one retry strategy of berth's AWS clients (pricing and providers): the
 * SDK's own (bounded attempts, its retry-token bucket, Retry-After, abortable
 * waits), told which failures may be sent again at all (`mayRetryAwsCall`).
 * Kept out of `index.ts` so importing the model never loads the SDK.
 */

export type AwsRetryPolicy = BackoffPolicy;

/** Told after each wait, before the attempt it led to. */
export interface AwsRetryNotice {
  /** The failure that is being retried. */
  error: unknown;
  /** The attempt about to be made, counted from 1. */
  attempt: number;
  maxAttempts: number;
  /** How long it waited. */
  waitedMs: number;
}

export interface AwsRetryOptions extends AwsRetryPolicy {
  retryOn: AwsRetryOn;
  onRetry?: (notice: AwsRetryNotice) => void;
  random?: () => number;
}

type Refresh = ConfiguredRetryStrategy['refreshRetryTokenForRetry'];

export class AwsRetryStrategy extends ConfiguredRetryStrategy {
  readonly #options: AwsRetryOptions;

  constructor(options: AwsRetryOptions) {
    super(options.maxAttempts, (retry) => backoffMs(retry, options, options.random));
    this.#options = options;
  }

  override async refreshRetryTokenForRetry(
    token: Parameters<Refresh>[0],
    info: Parameters<Refresh>[1],
  ): ReturnType<Refresh> {
    // Refusing here hands the SDK's error back to the caller as it came.
    if (!mayRetryAwsCall(info.error, info.errorType, this.#options.retryOn)) {
      throw new Error(`not retried: ${info.errorType}`);
    }
    const started = performance.now();
    const next = await super.refreshRetryTokenForRetry(token, info); // waits the backoff
    this.#options.onRetry?.({
      error: info.error,
      attempt: next.getRetryCount() + 1,
      maxAttempts: this.#options.maxAttempts,
      waitedMs: Math.round(performance.now() - started),
    });
    return next;
  }
}

/** The client settings for it: `{ ...awsRetryConfig(o), region, … }` on any SDK v3 client. */
export function awsRetryConfig(o: AwsRetryOptions): { maxAttempts: number; retryStrategy: AwsRetryStrategy } {
  return { maxAttempts: o.maxAttempts, retryStrategy: new AwsRetryStrategy(o) };
}
