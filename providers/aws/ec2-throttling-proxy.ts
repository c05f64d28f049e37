import { advance, type BucketLimit, type BucketState, type Cost, newBucket } from '../api-pacing.ts';
import { EC2_LIMITS, type Ec2Call, ec2Costs } from './ec2-limits.ts';
import { startEc2QueryProxy } from './ec2-query-proxy.ts';

/**
 * The sandbox's stand-in for EC2's API throttling, in front of moto: the
 * account's token buckets (ec2-limits.ts, EC2's documented figures) are
 * spent by each call, and a call whose bucket is short is refused with
 * `RequestLimitExceeded` in EC2's XML error shape, before moto sees it. It
 * counts calls and throttles per action.
 */

export interface ThrottlingProxyOptions {
  /** Default: EC2's documented figures. */
  limits?: Readonly<Record<string, BucketLimit>>;
  now?: () => number;
}

export interface ActionCount {
  calls: number;
  throttled: number;
}

export interface ThrottlingProxy {
  endpoint: string;
  /** Per action: calls received, and how many of them were refused as throttled. */
  counts(): Record<string, ActionCount>;
  close(): Promise<void>;
}

/** What a Query API call's parameters say about its cost. */
export function ec2CallOfQuery(action: string, params: URLSearchParams): Ec2Call {
  const keys = [...params.keys()];
  let instances: number | undefined;
  if (action === 'RunInstances') instances = Number(params.get('MaxCount') ?? 1);
  if (action === 'CreateFleet')
    instances = Number(params.get('TargetCapacitySpecification.TotalTargetCapacity') ?? 1);
  if (action === 'TerminateInstances' || action === 'StartInstances')
    instances = keys.filter((k) => k.startsWith('InstanceId.')).length;
  const filteredOrPaged = keys.some(
    (k) => k.startsWith('Filter.') || k === 'MaxResults' || k === 'NextToken',
  );
  return { action, ...(instances !== undefined ? { instances } : {}), filteredOrPaged };
}

/**
 * Takes every cost or none: EC2 refuses a call when any of its buckets is
 * short (the cloud keeps no queue, unlike the client's pacer).
 */
export function tryTake(
  buckets: Map<string, BucketState>,
  limits: Readonly<Record<string, BucketLimit>>,
  costs: readonly Cost[],
  now: number,
): boolean {
  const next: [string, BucketState][] = [];
  for (const c of costs) {
    const limit = limits[c.bucket];
    if (!limit) continue;
    const cur = advance(buckets.get(c.bucket) ?? newBucket(limit, now), now);
    const charge = Math.min(c.cost, limit.capacity);
    if (cur.tokens < charge) {
      buckets.set(c.bucket, cur);
      return false;
    }
    next.push([c.bucket, { ...cur, tokens: cur.tokens - charge }]);
  }
  for (const [b, s] of next) buckets.set(b, s);
  return true;
}

export async function startThrottlingProxy(
  upstream: string,
  o: ThrottlingProxyOptions = {},
): Promise<ThrottlingProxy> {
  const limits = o.limits ?? EC2_LIMITS;
  const now = o.now ?? (() => performance.now());
  const buckets = new Map<string, BucketState>();
  const counts: Record<string, ActionCount> = {};
  const proxy = await startEc2QueryProxy(upstream, ({ action, params }, reply) => {
    const count = counts[action] ?? { calls: 0, throttled: 0 };
    counts[action] = count;
    count.calls += 1;
    if (tryTake(buckets, limits, ec2Costs(ec2CallOfQuery(action, params)), now())) return reply.forward();
    count.throttled += 1;
    // EC2 answers a throttled call with HTTP 503 and this code.
    reply.error(503, 'RequestLimitExceeded', 'Request limit exceeded.');
  });
  return {
    endpoint: proxy.endpoint,
    counts: () => structuredClone(counts),
    close: proxy.close,
  };
}
