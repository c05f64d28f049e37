import { describe, expect, it } from 'vitest';
import { parseInterruptionEvent } from '../../../../providers/aws/interruption-events.ts';

/** The event as EventBridge documents it for a spot interruption warning. */
const spotWarning = {
  version: '0',
  id: '12345678-1234-1234-1234-123456789012',
  'detail-type': 'EC2 Spot Instance Interruption Warning',
  source: 'aws.ec2',
  account: '123456789012',
  time: '2025-03-01T12:00:00Z',
  region: 'us-east-1',
  resources: ['arn:aws:ec2:us-east-1a:instance/i-1234567890abcdef0'],
  detail: { 'instance-id': 'i-1234567890abcdef0', 'instance-action': 'terminate' },
};

describe('EventBridge interruption events from SQS', () => {
  it('reads a spot interruption warning with a deadline two minutes after the event', () => {
    expect(parseInterruptionEvent(JSON.stringify(spotWarning))).toEqual({
      kind: 'notice',
      instanceId: 'i-1234567890abcdef0',
      notice: 'spot-interruption',
      deadline: '2025-03-01T12:02:00.000Z',
    });
  });

  it('reads a rebalance recommendation, and an event wrapped in an SNS notification', () => {
    const rebalance = {
      ...spotWarning,
      'detail-type': 'EC2 Instance Rebalance Recommendation',
      detail: { 'instance-id': 'i-0abcdef1234567890' },
    };
    const sns = { Type: 'Notification', MessageId: 'm-1', Message: JSON.stringify(rebalance) };
    expect(parseInterruptionEvent(JSON.stringify(sns))).toMatchObject({
      kind: 'notice',
      instanceId: 'i-0abcdef1234567890',
      notice: 'rebalance',
    });
  });

  it('ignores other EC2 events and says why malformed ones are skipped', () => {
    const stateChange = { ...spotWarning, 'detail-type': 'EC2 Instance State-change Notification' };
    expect(parseInterruptionEvent(JSON.stringify(stateChange)).kind).toBe('ignored');
    expect(parseInterruptionEvent('not json')).toMatchObject({ kind: 'malformed', reason: /not JSON/ });
    expect(parseInterruptionEvent('[1]')).toMatchObject({ kind: 'malformed', reason: 'not a JSON object' });
    expect(parseInterruptionEvent(JSON.stringify({ ...spotWarning, detail: {} }))).toMatchObject({
      kind: 'malformed',
      reason: /without a detail.instance-id/,
    });
    expect(parseInterruptionEvent(JSON.stringify({ ...spotWarning, time: 'yesterday' }))).toMatchObject({
      kind: 'malformed',
      reason: /without a valid time/,
    });
  });
});
