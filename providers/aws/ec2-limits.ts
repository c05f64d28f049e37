import type { BucketLimit, Cost } from '../api-pacing.ts';

/**
 * EC2's API token buckets, per account and region, from "Request throttling
 * for the Amazon EC2 API" (docs.aws.amazon.com/ec2/latest/devguide/ec2-api-throttling.html),
 * its tables "Request token bucket sizes and refill rates" and "Resource token
 * bucket sizes and refill rates". Both the client-side pacing and the
 * sandbox's throttling proxy read them from here, so the two never disagree.
 *
 * CreateFleet is in neither table: it is a mutating action (50, 5/s). The
 * page lists no resource bucket for the instances a fleet launches; we count
 * them against RunInstances' instance bucket (1000, 2/s), the conservative
 * reading (it is the only documented bucket for launching instances).
 */
export const EC2_LIMITS: Readonly<Record<string, BucketLimit>> = {
  // Request buckets: one token a call.
  'non-mutating': { capacity: 100, refillPerSecond: 20 },
  'unfiltered-non-mutating': { capacity: 50, refillPerSecond: 10 },
  mutating: { capacity: 50, refillPerSecond: 5 },
  // "Uncategorized actions": their own buckets.
  RunInstances: { capacity: 5, refillPerSecond: 2 },
  StartInstances: { capacity: 5, refillPerSecond: 2 },
  TerminateInstances: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
  DeleteTags: { capacity: 100, refillPerSecond: 10 },
  // Resource buckets: one token an instance.
  'instances-launched': { capacity: 1000, refillPerSecond: 2 },
  'instances-terminated': { capacity: 1000, refillPerSecond: 20 },
  'instances-started': { capacity: 1000, refillPerSecond: 2 },
};

/** The EC2 actions whose buckets are their own (the rest fall in a category). */
const OWN_BUCKET = new Set([
  'RunInstances',
  'StartInstances',
  'TerminateInstances',
  'CreateTags',
  'DeleteTags',
]);

/** Non-mutating actions that, unfiltered and unpaginated, draw on the smaller bucket. */
const UNFILTERED_SUBSET = new Set([
  'DescribeInstances',
  'DescribeInstanceStatus',
  'DescribeNetworkInterfaces',
  'DescribeSecurityGroups',
  'DescribeSnapshots',
  'DescribeSpotInstanceRequests',
  'DescribeVolumes',
]);

export interface Ec2Call {
  /** The Query API action: `RunInstances`, `DescribeInstances`, … */
  action: string;
  /** Instances the call launches or terminates. */
  instances?: number;
  /** A non-mutating call with a filter or pagination (MaxResults, NextToken). */
  filteredOrPaged?: boolean;
}

/** The buckets one EC2 call spends from. */
export function ec2Costs(call: Ec2Call): Cost[] {
  const { action } = call;
  let request: string;
  if (OWN_BUCKET.has(action)) request = action;
  else if (/^(Describe|List|Search|Get)/.test(action))
    request =
      UNFILTERED_SUBSET.has(action) && !call.filteredOrPaged ? 'unfiltered-non-mutating' : 'non-mutating';
  else request = 'mutating';
  const costs: Cost[] = [{ bucket: request, cost: 1 }];
  const n = Math.max(1, call.instances ?? 1);
  if (action === 'RunInstances' || action === 'CreateFleet')
    costs.push({ bucket: 'instances-launched', cost: n });
  if (action === 'StartInstances') costs.push({ bucket: 'instances-started', cost: n });
  if (action === 'TerminateInstances') costs.push({ bucket: 'instances-terminated', cost: n });
  return costs;
}
