import { AwsAccessError, awsErrorCode, classifyAwsError, describeAwsError } from '../../src/model/index.ts';
import type { AwsRetryNotice, AwsRetryPolicy } from '../../src/model/aws-retry.ts';

/** Price lists are read on a timer, with time to spare: wait out throttling longer than a launch would. */
export const DEFAULT_RETRY: AwsRetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 };

/**
 * A failed AWS call in words for the log: an access problem becomes an
 * AwsAccessError naming the IAM action; anything else is an Error with the
 * action and the attempts in front, its cause kept. After an abort, the
 * abort's reason, not the SDK's "Request aborted".
 */
export function awsCallError(action: string, err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const access = classifyAwsError(err, action);
  if (access instanceof AwsAccessError) return access;
  const attempts = awsAttempts(err);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const message = err instanceof Error ? err.message : String(err);
  return new Error(`${action} failed${tries}: ${awsErrorCode(err) ?? 'Error'}: ${message}`, { cause: err });
}

/** How many times the SDK sent the call before it gave up (its `$metadata.attempts`). */
function awsAttempts(err: unknown): number {
  const meta =
    typeof err === 'object' && err !== null ? (err as { $metadata?: unknown }).$metadata : undefined;
  const attempts =
    typeof meta === 'object' && meta !== null ? (meta as { attempts?: unknown }).attempts : undefined;
  return typeof attempts === 'number' ? attempts : 1;
}

/** `pricing:GetProducts throttled (ThrottlingException, HTTP 400); attempt 2 of 6 after 512 ms`. */
export function retryMessage(action: string, n: AwsRetryNotice): string {
  return (
    `${action} throttled (${describeAwsError(n.error)}); ` +
    `attempt ${n.attempt} of ${n.maxAttempts} after ${n.waitedMs} ms`
  );
}
