/**
 * What an AWS SDK v3 error means for us: try again later (throttled), or
 * stop and tell a person which credentials or permission are missing. Read
 * structurally (name, HTTP status, headers), so it works for every client.
 */

export interface AwsErrorFacts {
  name: string;
  message: string;
  status?: number;
  /** From a Retry-After header, when the service sent one. */
  retryAfterMs?: number;
}

export function awsErrorFacts(err: unknown, now: number = Date.now()): AwsErrorFacts {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const facts: AwsErrorFacts = { name: err.name, message: err.message };
  const metadata = prop(err, '$metadata');
  const status = prop(metadata, 'httpStatusCode');
  if (typeof status === 'number') facts.status = status;
  const headers = prop(prop(err, '$response'), 'headers');
  const retryAfter = prop(headers, 'retry-after') ?? prop(headers, 'Retry-After');
  const ms = typeof retryAfter === 'string' ? parseRetryAfter(retryAfter, now) : undefined;
  if (ms !== undefined) facts.retryAfterMs = ms;
  return facts;
}

/** `Retry-After: 3` or an HTTP date, in milliseconds from now; undefined when unreadable. */
export function parseRetryAfter(value: string, now: number): number | undefined {
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : undefined;
}

/** Each service spells "slow down" its own way; 429 and 503 mean it whatever the body says. */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

export function isThrottling(f: AwsErrorFacts): boolean {
  return THROTTLING.has(f.name) || f.status === 429 || f.status === 503;
}

/**
 * How long to wait before attempt `attempt + 1` (attempt counts from 1):
 * the service's Retry-After when it gave one, else exponential backoff with
 * full jitter, both capped so a refresh never sleeps for long.
 */
export function retryDelayMs(
  attempt: number,
  facts: AwsErrorFacts,
  policy: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  if (facts.retryAfterMs !== undefined) return Math.min(facts.retryAfterMs, policy.maxDelayMs);
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export type CredentialsProblem = 'missing' | 'rejected' | 'forbidden';

/** The credentials berth runs with can't do what pricing needs; says which and what to do. */
export class AwsCredentialsError extends Error {
  constructor(
    readonly problem: CredentialsProblem,
    /** The IAM action that failed, e.g. `pricing:GetProducts`. */
    readonly action: string,
    detail: string,
  ) {
    super(credentialsMessage(problem, action, detail));
    this.name = 'AwsCredentialsError';
  }
}

function credentialsMessage(problem: CredentialsProblem, action: string, detail: string): string {
  switch (problem) {
    case 'missing':
      return (
        `no AWS credentials found for ${action} (${detail}): set AWS_ACCESS_KEY_ID and ` +
        'AWS_SECRET_ACCESS_KEY (or AWS_PROFILE), or run with an IAM role (EKS Pod Identity, IRSA, an instance profile)'
      );
    case 'rejected':
      return (
        `AWS rejected the credentials for ${action} (${detail}): the access key is unknown, expired or ` +
        'its secret is wrong; renew them or check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN'
      );
    case 'forbidden':
      return `the AWS credentials may not call ${action} (${detail}): grant ${action} to the role or user berth runs as`;
  }
}

const MISSING = new Set(['CredentialsProviderError']);
const REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AuthFailure',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);
const FORBIDDEN = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/** A credentials error in words a person can act on, or undefined for any other error. */
export function credentialsError(f: AwsErrorFacts, action: string): AwsCredentialsError | undefined {
  const detail = `${f.name}: ${f.message}`;
  if (MISSING.has(f.name)) return new AwsCredentialsError('missing', action, detail);
  if (REJECTED.has(f.name)) return new AwsCredentialsError('rejected', action, detail);
  if (FORBIDDEN.has(f.name) || f.status === 403) return new AwsCredentialsError('forbidden', action, detail);
  return undefined;
}

function prop(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
