import { describe, expect, it } from 'vitest';
import { classifyGoogleError, isRateLimited } from '../../../../providers/gcp/errors.ts';
import { CloudAccessError } from '../../../../src/model/index.ts';

/** An error as the REST transport of @google-cloud/compute surfaces an HTTP answer. */
function googleError(status: number, message: string, reason?: string): Error {
  return Object.assign(new Error(message), {
    code: status,
    httpStatusCode: status,
    ...(reason ? { errors: [{ reason, message }] } : {}),
  });
}

describe('Compute Engine errors', () => {
  it('reads a 403 rateLimitExceeded as a rate limit to wait out, not a missing permission', () => {
    const err = googleError(403, 'Rate Limit Exceeded', 'rateLimitExceeded');
    expect(isRateLimited(err)).toBe(true);
    expect(classifyGoogleError(err, 'compute.instances.insert')).not.toBeInstanceOf(CloudAccessError);
    expect(isRateLimited(googleError(403, 'Quota exceeded for quota metric userRateLimitExceeded'))).toBe(
      true,
    );
  });

  it('keeps a plain 403 an access error naming the permission', () => {
    const err = googleError(403, "Required 'compute.instances.insert' permission for 'projects/p'");
    expect(isRateLimited(err)).toBe(false);
    const classified = classifyGoogleError(err, 'compute.instances.get');
    expect(classified).toBeInstanceOf(CloudAccessError);
    expect(classified.message).toMatch(/compute\.instances\.insert/);
  });

  it('never reads a stockout or quota answered up front as a rate limit, whatever its status', () => {
    const stockout = googleError(
      503,
      'ZONE_RESOURCE_POOL_EXHAUSTED: no room in us-central1-a',
      'insufficientCapacity',
    );
    expect(isRateLimited(stockout)).toBe(false);
    expect(isRateLimited(googleError(403, 'QUOTA_EXCEEDED: CPUS', 'quotaExceeded'))).toBe(false);
  });

  it('treats 429 and 503 as rate limits', () => {
    expect(isRateLimited(googleError(429, 'Too Many Requests'))).toBe(true);
    expect(isRateLimited(googleError(503, 'Service Unavailable'))).toBe(true);
  });
});
