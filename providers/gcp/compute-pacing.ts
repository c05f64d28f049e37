import { type BucketLimit, type Cost, Pacer, paced } from '../api-pacing.ts';
import { isRateLimited } from './errors.ts';

/**
 * Compute Engine's API rate quotas, per project, counted per minute in
 * groups (reads, writes, operation reads), from "Compute Engine rate quotas"
 * (cloud.google.com/compute/api-quota): a project over a group's quota gets
 * 403 rateLimitExceeded until the next minute. The stored copy of that page
 * gives the groups but not their default figures, and a project's own
 * quotas vary: these are conservative per-minute values (override them in
 * `computeClients({ pacing })` with the project's quota page). A minute's
 * quota is paced as a bucket of a quarter of it, refilled evenly over the
 * minute, so a burst never spends the minute at once.
 */
const PER_MINUTE = { read: 1200, write: 600, 'operation-read': 1200 } as const;

export type ComputeQuotaGroup = keyof typeof PER_MINUTE;

export function computeLimits(
  perMinute: Partial<Record<ComputeQuotaGroup, number>> = {},
): Record<string, BucketLimit> {
  const q = { ...PER_MINUTE, ...perMinute };
  return Object.fromEntries(
    Object.entries(q).map(([group, n]) => [
      group,
      { capacity: Math.max(1, Math.floor(n / 4)), refillPerSecond: n / 60 },
    ]),
  );
}

/** Which quota group a client method's calls count in. */
export function quotaGroupOf(
  client: 'instances' | 'operations' | 'other',
  method: string,
): ComputeQuotaGroup {
  if (client === 'operations') return 'operation-read';
  return /^(get|list|aggregatedList)/.test(method) ? 'read' : 'write';
}

/**
 * The client with every API method paced in its quota group: a call waits
 * its turn, and a rate-limited answer slows the group and is sent again in
 * its next turn (the provider's own retry stays for what pacing could not
 * absorb). An `…Async` pager waits one turn before its first page.
 */
export function pacedComputeClient<T extends object>(
  client: T,
  kind: 'instances' | 'operations' | 'other',
  pacer: Pacer,
): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string') return value;
      if (prop === 'close' || prop.startsWith('_') || prop.endsWith('Path') || prop.startsWith('match'))
        return value.bind(target);
      const costs: Cost[] = [{ bucket: quotaGroupOf(kind, prop), cost: 1 }];
      if (prop.endsWith('Async')) {
        return (...args: unknown[]) =>
          (async function* () {
            await pacer.take(costs);
            yield* value.apply(target, args) as AsyncIterable<unknown>;
          })();
      }
      return (...args: unknown[]) =>
        paced(pacer, costs, () => value.apply(target, args) as Promise<unknown>, {
          throttle: (o) => ('error' in o && isRateLimited(o.error) ? {} : false),
        });
    },
  });
}

export function computePacer(perMinute?: Partial<Record<ComputeQuotaGroup, number>>): Pacer {
  return new Pacer({
    cloud: 'gcp',
    limits: computeLimits(perMinute),
    onThrottle: (group, rate) =>
      process.stderr.write(
        `gcp: Compute Engine rate-limited a call (${group} quota); pacing it at ${rate.toFixed(2)}/s\n`,
      ),
  });
}
