import type { EC2Client } from '@aws-sdk/client-ec2';
import { isThrottling } from '../../src/model/aws-errors.ts';
import { Pacer, type PacingTuning, paced, sharedPacer } from '../api-pacing.ts';
import { type Ec2Call, EC2_LIMITS, ec2Costs } from './ec2-limits.ts';

export interface Ec2PacingOptions {
  tuning?: Partial<PacingTuning>;
  /** Where a throttle is reported (a log line). Default: stderr. */
  onThrottle?: (bucket: string, rate: number) => void;
}

/** The pacer of a region (and endpoint): EC2 meters the account per region, whichever client calls. */
export function ec2Pacer(region: string, endpoint = '', o: Ec2PacingOptions = {}): Pacer {
  return sharedPacer(
    `aws ${region} ${endpoint}`,
    () =>
      new Pacer({
        cloud: 'aws',
        limits: EC2_LIMITS,
        ...(o.tuning ? { tuning: o.tuning } : {}),
        onThrottle:
          o.onThrottle ??
          ((bucket, rate) =>
            process.stderr.write(
              `aws: EC2 throttled a call (${bucket} bucket); pacing it at ${rate.toFixed(2)}/s\n`,
            )),
      }),
  );
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** What an EC2 command's input says about its cost: its action, how many instances, whether filtered. */
export function ec2CallOf(commandName: string, input: unknown): Ec2Call {
  const i = record(input);
  const action = commandName.replace(/Command$/, '');
  const filters = Array.isArray(i.Filters) && i.Filters.length > 0;
  const paged = i.MaxResults !== undefined || i.NextToken !== undefined;
  let instances: number | undefined;
  if (action === 'RunInstances' && typeof i.MaxCount === 'number') instances = i.MaxCount;
  if (action === 'CreateFleet') {
    const total = record(i.TargetCapacitySpecification).TotalTargetCapacity;
    if (typeof total === 'number') instances = total;
  }
  if ((action === 'TerminateInstances' || action === 'StartInstances') && Array.isArray(i.InstanceIds))
    instances = i.InstanceIds.length;
  return { action, ...(instances !== undefined ? { instances } : {}), filteredOrPaged: filters || paged };
}

/**
 * Paces every attempt of every call of `client`: a middleware between the
 * SDK's retry and the request signing waits for the call's turn, and sends
 * a throttled call again in its next turn (signed afresh) after slowing the
 * buckets, so the SDK's own retry of throttles is left for what pacing could
 * not absorb.
 */
export function usePacing(client: EC2Client, pacer: Pacer, maxThrottles = 10): void {
  const pacing =
    <A extends { input: unknown }, O>(
      next: (args: A) => Promise<O>,
      context: { commandName?: string; __smithy_context?: { abortSignal?: unknown } },
    ) =>
    async (args: A): Promise<O> => {
      const costs = ec2Costs(ec2CallOf(context.commandName ?? '', args.input));
      // The caller's abortSignal (send(command, { abortSignal })) ends a wait for a turn too.
      const signal = context.__smithy_context?.abortSignal;
      return paced(pacer, costs, () => next(args), {
        throttle: (o) => ('error' in o && isThrottling(o.error) ? {} : false),
        maxThrottles,
        ...(signal instanceof AbortSignal ? { signal } : {}),
      });
    };
  // The stack's middleware type is a union over its steps; this one fits the finalizeRequest step it joins.
  client.middlewareStack.addRelativeTo(
    pacing as Parameters<EC2Client['middlewareStack']['addRelativeTo']>[0],
    {
      name: 'berthEc2Pacing',
      relation: 'before',
      toMiddleware: 'httpSigningMiddleware',
      override: true,
    },
  );
}
