import { asRecord } from '../../src/model/index.ts';
/**
 * Spot evictions as Azure reports them outside the VM: the Activity Log
 * records the platform's `Microsoft.Compute/virtualMachines/evictSpotVM/action`
 * on the VM, and an Event Grid subscription on the resource group (or
 * subscription) delivers it as a `Microsoft.Resources.ResourceActionSuccess`
 * event to a Storage Queue berth reads.
 */
export const EVICT_OPERATION = 'microsoft.compute/virtualmachines/evictspotvm/action';
export const ACTION_SUCCESS = 'Microsoft.Resources.ResourceActionSuccess';

/** Inside the VM, Scheduled Events give a spot VM at least 30 s between Preempt and eviction. */
export const EVICTION_NOTICE_MS = 30_000;

export type ParsedEviction =
  | { kind: 'eviction'; vmName: string; resourceId: string; deadline: string }
  | { kind: 'ignored'; reason: string }
  | { kind: 'malformed'; reason: string };

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Queue messages may arrive base64-encoded (the Storage Queue convention).
    return JSON.parse(Buffer.from(text, 'base64').toString('utf8'));
  }
}

/**
 * One queue message as berth reads it: an Event Grid event (Event Grid
 * schema or CloudEvents), or an array of them of which the first eviction
 * counts. The deadline is the event time plus the 30 s notice.
 */
export function parseEvictionMessage(text: string): ParsedEviction {
  let body: unknown;
  try {
    body = parseJson(text);
  } catch (err) {
    return { kind: 'malformed', reason: `not JSON: ${err instanceof Error ? err.message : String(err)}` };
  }
  const events = Array.isArray(body) ? body : [body];
  let last: ParsedEviction = { kind: 'malformed', reason: 'no event' };
  for (const e of events) {
    last = parseEvent(asRecord(e));
    if (last.kind === 'eviction') return last;
  }
  return last;
}

function parseEvent(event: Record<string, unknown> | undefined): ParsedEviction {
  if (!event) return { kind: 'malformed', reason: 'not a JSON object' };
  const type = event.eventType ?? event.type;
  if (typeof type !== 'string') return { kind: 'malformed', reason: 'no eventType' };
  if (type !== ACTION_SUCCESS) return { kind: 'ignored', reason: `eventType ${type}` };
  const data = asRecord(event.data);
  const operation = data?.operationName;
  if (typeof operation !== 'string')
    return { kind: 'malformed', reason: `${type} without data.operationName` };
  if (operation.toLowerCase() !== EVICT_OPERATION)
    return { kind: 'ignored', reason: `operation ${operation}` };
  const resourceId = typeof data?.resourceUri === 'string' ? data.resourceUri : event.subject;
  if (typeof resourceId !== 'string' || !/\/virtualMachines\/[^/]+$/i.test(resourceId)) {
    return { kind: 'malformed', reason: 'eviction without the VM resource id' };
  }
  const timeText = event.eventTime ?? event.time;
  const time = typeof timeText === 'string' ? Date.parse(timeText) : Number.NaN;
  if (!Number.isFinite(time)) return { kind: 'malformed', reason: 'eviction without a valid eventTime' };
  return {
    kind: 'eviction',
    vmName: resourceId.split('/').pop() ?? '',
    resourceId,
    deadline: new Date(time + EVICTION_NOTICE_MS).toISOString(),
  };
}
