import type { ComputeManagementClient } from '@azure/arm-compute';
import { type BucketLimit, type Cost, Pacer, paced } from '../api-pacing.ts';

/**
 * Azure Resource Manager's throttling, per subscription (and principal) and
 * region, from "Understand how Azure Resource Manager throttles requests"
 * (learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling):
 * token buckets of reads 250 (25/s), writes 200 (10/s) and deletes 200
 * (10/s). Behind it, Microsoft.Compute throttles per API with its own
 * policies (PutVM3Min and PutVM30Min for creating a VM); their figures are
 * not in the stored pages. Answers recorded from Azure show 240 left of
 * PutVM3Min and 1200 of PutVM30Min on a first call, so VM creations are
 * paced conservatively as a bucket of 240 refilled at 1200 per 30 minutes.
 */
export const ARM_LIMITS: Readonly<Record<string, BucketLimit>> = {
  reads: { capacity: 250, refillPerSecond: 25 },
  writes: { capacity: 200, refillPerSecond: 10 },
  deletes: { capacity: 200, refillPerSecond: 10 },
  'compute-put-vm': { capacity: 240, refillPerSecond: 1200 / 1800 },
};

/** The buckets an ARM request spends from: its kind, and Compute's VM creation policy for a VM PUT. */
export function armCosts(method: string, url: string): Cost[] {
  const m = method.toUpperCase();
  const kind = m === 'GET' || m === 'HEAD' ? 'reads' : m === 'DELETE' ? 'deletes' : 'writes';
  const costs: Cost[] = [{ bucket: kind, cost: 1 }];
  const path = new URL(url).pathname;
  if (m === 'PUT' && /\/providers\/Microsoft\.Compute\/virtualMachines\/[^/]+$/i.test(path))
    costs.push({ bucket: 'compute-put-vm', cost: 1 });
  return costs;
}

/** Retry-After in ms (seconds, or an HTTP date), or undefined. */
export function retryAfterMs(header: string | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

type PipelinePolicy = Parameters<ComputeManagementClient['pipeline']['addPolicy']>[0];

/**
 * A core-rest-pipeline policy that paces each request in its buckets; a 429
 * slows them, waits at least its Retry-After, and sends the request again in
 * its next turn, so the SDK's own retry sees a 429 only when pacing gave up.
 */
export function armPacingPolicy(pacer: Pacer, maxThrottles = 10): PipelinePolicy {
  return {
    name: 'berthArmPacing',
    sendRequest: (request, next) =>
      paced(pacer, armCosts(request.method, request.url), () => next(request), {
        throttle: (o) => {
          if (!('value' in o) || o.value.status !== 429) return false;
          const wait = retryAfterMs(o.value.headers.get('retry-after') ?? undefined);
          return wait !== undefined ? { retryAfterMs: wait } : {};
        },
        maxThrottles,
        ...(request.abortSignal ? { signal: request.abortSignal as AbortSignal } : {}),
      }),
  };
}

export function armPacer(): Pacer {
  return new Pacer({
    cloud: 'azure',
    limits: ARM_LIMITS,
    onThrottle: (bucket, rate) =>
      process.stderr.write(`azure: ARM throttled a request (${bucket}); pacing it at ${rate.toFixed(2)}/s\n`),
  });
}
