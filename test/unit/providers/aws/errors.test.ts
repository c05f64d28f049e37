import { describe, expect, it } from 'vitest';
import { CapacityError } from '../../../../src/model/index.ts';
import { AwsAccessError, classifyEc2Error } from '../../../../providers/aws/errors.ts';
import { retryDelayMs } from '../../../../providers/aws/retry.ts';

/** An error shaped as the SDK throws it for an EC2 error response. */
function ec2Error(code: string, status = 400, message = 'from EC2'): Error {
  const e = new Error(message);
  e.name = code;
  return Object.assign(e, {
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status },
  });
}

const OFFERING = 'aws/us-east-1/*/m5.large/spot';

describe('classifyEc2Error', () => {
  it.each([
    ['InsufficientInstanceCapacity', 'insufficient-capacity'],
    ['InsufficientCapacity', 'insufficient-capacity'],
    ['InsufficientFreeAddressesInSubnet', 'insufficient-capacity'],
    ['UnfulfillableCapacity', 'insufficient-capacity'],
    ['InstanceLimitExceeded', 'quota'],
    ['VcpuLimitExceeded', 'quota'],
    ['MaxSpotInstanceCountExceeded', 'spot-limit'],
    ['SpotMaxPriceTooLow', 'spot-limit'],
    ['Unsupported', 'unsupported'],
  ])('%s becomes a CapacityError (%s) for the offering', (code, reason) => {
    const e = classifyEc2Error(ec2Error(code, 500), OFFERING);
    expect(e).toBeInstanceOf(CapacityError);
    expect((e as CapacityError).reason).toBe(reason);
    expect((e as CapacityError).offeringId).toBe(OFFERING);
    expect(e.message).toContain(code);
  });

  it('names the IAM action that was refused and where the policy is', () => {
    const e = classifyEc2Error(ec2Error('UnauthorizedOperation', 403, 'You are not authorized'), OFFERING);
    expect(e).toBeInstanceOf(AwsAccessError);
    expect((e as AwsAccessError).problem).toBe('forbidden');
    expect(e.message).toContain('ec2:RunInstances');
    expect(e.message).toContain('deploy/iam/berth-controller-policy.json');
  });

  it('tells rejected credentials from missing ones', () => {
    const rejected = classifyEc2Error(ec2Error('AuthFailure', 401), OFFERING, 'ec2:TerminateInstances');
    expect((rejected as AwsAccessError).problem).toBe('rejected-credentials');
    expect(rejected.message).toContain('ec2:TerminateInstances');
    const missing = new Error('Could not load credentials from any providers');
    missing.name = 'CredentialsProviderError';
    const e = classifyEc2Error(missing, OFFERING);
    expect((e as AwsAccessError).problem).toBe('missing-credentials');
    expect(e.message).toMatch(/no AWS credentials for ec2:RunInstances/);
    expect(e.message).toContain('AWS_ACCESS_KEY_ID');
  });

  it('hands back anything else as it was, for the controller to retry', () => {
    const odd = ec2Error('InvalidParameterValue');
    expect(classifyEc2Error(odd, OFFERING)).toBe(odd);
    expect(classifyEc2Error('boom', OFFERING).message).toContain('boom');
  });
});

describe('retries of EC2 calls', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 };
  const half = () => 0.5;

  it('retries throttling with growing, bounded, jittered delays and then gives up', () => {
    const info = { errorType: 'THROTTLING' as const, error: ec2Error('RequestLimitExceeded', 503) };
    const delays = [0, 1, 2, 3, 4].map((n) => retryDelayMs(info, n, policy, 0, half));
    expect(delays).toEqual([50, 100, 200, 400, undefined]);
    expect(retryDelayMs(info, 3, { ...policy, maxDelayMs: 300 }, 0, () => 1)).toBe(300);
  });

  it('never retries a capacity answer, although EC2 sends it as a server error', () => {
    const info = { errorType: 'TRANSIENT' as const, error: ec2Error('InsufficientInstanceCapacity', 500) };
    expect(retryDelayMs(info, 0, policy)).toBeUndefined();
  });

  it('never retries client errors, and honours a Retry-After hint up to the bound', () => {
    expect(
      retryDelayMs({ errorType: 'CLIENT_ERROR', error: ec2Error('InvalidParameterValue') }, 0, policy),
    ).toBe(undefined);
    const hinted = { errorType: 'THROTTLING' as const, retryAfterHint: new Date(800) };
    expect(retryDelayMs(hinted, 0, policy, 0, half)).toBe(800);
    expect(retryDelayMs({ ...hinted, retryAfterHint: new Date(60_000) }, 0, policy, 0, half)).toBe(1_000);
  });
});
