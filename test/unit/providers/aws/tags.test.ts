import { describe, expect, it } from 'vitest';
import { ec2InstanceIdOf, instanceFromEc2, providerIdOf } from '../../../../providers/aws/tags.ts';

describe('instance ids and EC2 instances', () => {
  it('takes the instance id from an id or a provider id, and rejects anything else', () => {
    expect(ec2InstanceIdOf('i-0123456789abcdef0')).toBe('i-0123456789abcdef0');
    expect(ec2InstanceIdOf(providerIdOf('us-east-1a', 'i-0123456789abcdef0'))).toBe('i-0123456789abcdef0');
    expect(() => ec2InstanceIdOf('local://aws/us-east-1/node')).toThrow(/not an EC2 instance id/);
  });

  it('reads our instances from their tags and maps EC2 states, ignoring untagged machines', () => {
    const base = {
      InstanceId: 'i-0123456789abcdef0',
      Placement: { AvailabilityZone: 'us-east-1b' },
      LaunchTime: new Date('2025-03-01T12:00:00Z'),
      Tags: [
        { Key: 'berth.dev/claim-id', Value: 'c-0' },
        { Key: 'berth.dev/node-name', Value: 'berth-abc-0' },
        { Key: 'berth.dev/offering-id', Value: 'aws/us-east-1/*/m5.large/spot' },
      ],
    };
    expect(instanceFromEc2({ ...base, State: { Name: 'running' } })).toEqual({
      id: 'i-0123456789abcdef0',
      claimId: 'c-0',
      nodeName: 'berth-abc-0',
      providerId: 'aws:///us-east-1b/i-0123456789abcdef0',
      offeringId: 'aws/us-east-1/*/m5.large/spot',
      state: 'running',
      launchedAt: '2025-03-01T12:00:00.000Z',
    });
    expect(instanceFromEc2({ ...base, State: { Name: 'shutting-down' } })?.state).toBe('terminating');
    expect(instanceFromEc2({ ...base, State: { Name: 'terminated' } })?.state).toBe('terminated');
    expect(instanceFromEc2({ ...base, Tags: [] })).toBeUndefined();
  });
});
