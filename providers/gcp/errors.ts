import { CapacityError, type CapacityReason, CloudAccessError } from '../../src/model/index.ts';

/**
 * What a Compute Engine answer means to berth: a capacity answer (the
 * controller tries the next offering), an access problem naming the missing
 * permission, a rate limit (retried with backoff), or anything else.
 */

/** gRPC status codes, as the REST clients report an HTTP error. */
const RESOURCE_EXHAUSTED = 8;
const UNAVAILABLE = 14;
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;
export const NOT_FOUND = 5;

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

/** Compute Engine answers a rate quota with HTTP 403 and the reason rateLimitExceeded: a wait, not a missing permission. */
const RATE_LIMIT_REASON = /\b(?:user)?rateLimitExceeded\b/i;

/** What an error says in words: its message and Google's per-error reasons. */
function saidBy(err: unknown): string {
  return `${String(field(err, 'message') ?? '')} ${JSON.stringify(field(err, 'errors') ?? '')}`;
}

function saysRateLimited(err: unknown): boolean {
  return RATE_LIMIT_REASON.test(saidBy(err));
}

/** An answer that names a capacity reason (a stockout, a quota): never a rate limit, whatever its HTTP status. */
const CAPACITY_REASON =
  /\b(?:ZONE_RESOURCE_POOL_EXHAUSTED\w*|RESOURCE_POOL_EXHAUSTED|STOCKOUT|QUOTA_EXCEEDED|insufficientCapacity|quotaExceeded)\b/;

function saysCapacity(err: unknown): boolean {
  return CAPACITY_REASON.test(saidBy(err));
}

/** The gRPC status of a Google client error; clients that surface the HTTP answer instead (403, 401, 404) are read as the same. */
export function googleCode(err: unknown): number | undefined {
  const code = field(err, 'code');
  const http = field(err, 'httpStatusCode') ?? code;
  if (http === 403) return saysRateLimited(err) ? RESOURCE_EXHAUSTED : PERMISSION_DENIED;
  if (http === 401) return UNAUTHENTICATED;
  if (http === 404) return NOT_FOUND;
  return typeof code === 'number' ? code : undefined;
}

/** Too many calls: waiting and sending the same call again is safe. */
export function isRateLimited(err: unknown): boolean {
  // A stockout answered up front comes as 503 too: that is the next zone's turn, not a wait.
  if (saysCapacity(err)) return false;
  const code = googleCode(err);
  const http = field(err, 'httpStatusCode');
  return code === RESOURCE_EXHAUSTED || code === UNAVAILABLE || http === 429 || http === 503;
}

/** Operation error codes (an insert's zone operation) that mean "not this offering, not now". */
const CAPACITY_CODES: Readonly<Record<string, CapacityReason>> = {
  ZONE_RESOURCE_POOL_EXHAUSTED: 'insufficient-capacity',
  ZONE_RESOURCE_POOL_EXHAUSTED_WITH_DETAILS: 'insufficient-capacity',
  RESOURCE_POOL_EXHAUSTED: 'insufficient-capacity',
  STOCKOUT: 'insufficient-capacity',
  QUOTA_EXCEEDED: 'quota',
  UNSUPPORTED_OPERATION: 'unsupported',
  RESOURCE_NOT_FOUND: 'unsupported',
};

export interface OperationError {
  code?: string | null;
  message?: string | null;
}

/** A failed insert operation as a CapacityError when it is one, else an Error with Google's words. */
export function operationError(offeringId: string, errors: readonly OperationError[]): Error {
  for (const e of errors) {
    const reason = e.code ? CAPACITY_CODES[e.code] : undefined;
    if (reason) return new CapacityError(offeringId, reason, `${e.code}: ${e.message ?? ''}`);
  }
  return new Error(`the insert failed: ${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`);
}

/** Zone-bound capacity errors: another zone of the region may have room. Quotas are regional. */
export const zoneBound = (e: unknown) =>
  e instanceof CapacityError && (e.reason === 'insufficient-capacity' || e.reason === 'unsupported');

/** A refused call as a CloudAccessError naming the permission (Google's message names it when it can). */
export function classifyGoogleError(err: unknown, permission: string): Error {
  const message = err instanceof Error ? err.message : String(err);
  const code = googleCode(err);
  const named = /Required '([\w.]+)' permission/.exec(message)?.[1] ?? permission;
  if (code === PERMISSION_DENIED)
    return new CloudAccessError(
      'gcp',
      'forbidden',
      named,
      `berth's Google service account may not do this (${message}): grant ${named} (deploy/gcp/berth-controller-role.yaml lists every permission berth uses)`,
    );
  if (code === UNAUTHENTICATED)
    return new CloudAccessError(
      'gcp',
      'rejected-credentials',
      named,
      `Google rejected berth's credentials on ${named} (${message}): check GOOGLE_APPLICATION_CREDENTIALS or Workload Identity`,
    );
  return err instanceof Error ? err : new Error(message);
}
