import { setTimeout as sleep } from 'node:timers/promises';
import { awsErrorFacts, credentialsError, isThrottling, retryDelayMs } from './aws-errors.ts';

/** How throttled calls are retried: a bounded number of attempts, never an endless wait. */
export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 };

export interface CallOptions {
  retry: RetryPolicy;
  signal: AbortSignal;
  /** Told about each retry, so a slow refresh can be explained. */
  onRetry?: (message: string) => void;
}

/**
 * One AWS call, retried while the service says it is throttled. Credentials
 * problems become an AwsCredentialsError naming the IAM action; anything
 * else is rethrown with the action in front, its cause kept.
 */
export async function callAws<T>(action: string, send: () => Promise<T>, o: CallOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    o.signal.throwIfAborted();
    try {
      return await send();
    } catch (err) {
      if (o.signal.aborted) throw o.signal.reason;
      const facts = awsErrorFacts(err);
      const creds = credentialsError(facts, action);
      if (creds) throw creds;
      if (!isThrottling(facts) || attempt >= o.retry.attempts) {
        const tries = attempt > 1 ? ` after ${attempt} attempts` : '';
        throw new Error(`${action} failed${tries}: ${facts.name}: ${facts.message}`, { cause: err });
      }
      const wait = retryDelayMs(attempt, facts, o.retry);
      o.onRetry?.(
        `${action} throttled (${facts.name}${facts.status ? `, HTTP ${facts.status}` : ''}); ` +
          `attempt ${attempt + 1} of ${o.retry.attempts} in ${wait} ms`,
      );
      await sleep(wait, undefined, { signal: o.signal });
    }
  }
}
