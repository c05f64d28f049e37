import { asRecord, type InterruptionNotice } from '../../src/model/index.ts';

/** EventBridge `detail-type`s berth acts on (source `aws.ec2`). */
export const SPOT_INTERRUPTION = 'EC2 Spot Instance Interruption Warning';
export const REBALANCE_RECOMMENDATION = 'EC2 Instance Rebalance Recommendation';

/** EC2 gives a spot machine two minutes between the warning and taking it back. */
export const SPOT_WARNING_MS = 2 * 60_000;

export type ParsedEvent =
  | { kind: 'notice'; instanceId: string; notice: InterruptionNotice['kind']; deadline: string }
  /** Well formed, but nothing berth acts on (another detail-type). */
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; reason: string };

/**
 * One SQS message body as berth reads it: an EventBridge event delivered to
 * the queue as is, or wrapped in an SNS notification. A spot interruption
 * warning's deadline is the event time plus two minutes; a rebalance
 * recommendation is only advice, so its deadline is the earliest the machine
 * could go (a warning would still have to come first).
 */
export function parseInterruptionEvent(body: string): ParsedEvent {
  let event: Record<string, unknown> | undefined;
  try {
    event = asRecord(JSON.parse(body));
    const wrapped = event?.Type === 'Notification' && typeof event.Message === 'string';
    if (wrapped) event = asRecord(JSON.parse(event?.Message as string));
  } catch (err) {
    return { kind: 'malformed', reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!event) return { kind: 'malformed', reason: 'not a JSON object' };
  const type = event['detail-type'];
  if (typeof type !== 'string') return { kind: 'malformed', reason: 'no detail-type' };
  if (type !== SPOT_INTERRUPTION && type !== REBALANCE_RECOMMENDATION) {
    return { kind: 'ignored', reason: `detail-type ${JSON.stringify(type)}` };
  }
  const instanceId = asRecord(event.detail)?.['instance-id'];
  if (typeof instanceId !== 'string' || !/^i-[0-9a-f]+$/.test(instanceId)) {
    return { kind: 'malformed', reason: `${type} without a detail.instance-id` };
  }
  const time = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  if (!Number.isFinite(time)) return { kind: 'malformed', reason: `${type} without a valid time` };
  return {
    kind: 'notice',
    instanceId,
    notice: type === SPOT_INTERRUPTION ? 'spot-interruption' : 'rebalance',
    deadline: new Date(time + SPOT_WARNING_MS).toISOString(),
  };
}
