import { describe, expect, it } from 'vitest';
import {
  AwsAccessError,
  CapacityError,
  classifyAwsError,
  classifyEc2Error,
  isThrottling,
  mayRetryAwsCall,
} from '../../../src/model/index.ts';

/** An error shaped as the SDK v3 throws them: a name, $fault and $metadata. */
function sdkError(code: string, status?: number, message = `${code} happened`): Error {
  const e = new Error(message);
  e.name = code;
  return Object.assign(e, {
    $fault: (status ?? 400) >= 500 ? 'server' : 'client',
    $metadata: status === undefined ? {} : { httpStatusCode: status },
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
    const e = classifyEc2Error(sdkError(code, 500), OFFERING);
    expect(e).toBeInstanceOf(CapacityError);
    expect((e as CapacityError).reason).toBe(reason);
    expect((e as CapacityError).offeringId).toBe(OFFERING);
    expect(e.message).toContain(code);
  });

  it('names the IAM action that was refused, what to grant and where the policy is', () => {
    const e = classifyEc2Error(sdkError('UnauthorizedOperation', 403, 'You are not authorized'), OFFERING);
    expect(e).toBeInstanceOf(AwsAccessError);
    expect((e as AwsAccessError).problem).toBe('forbidden');
    expect((e as AwsAccessError).action).toBe('ec2:RunInstances');
    expect(e.message).toMatch(
      /may not call ec2:RunInstances \(UnauthorizedOperation: You are not authorized\)/,
    );
    expect(e.message).toContain('grant ec2:RunInstances');
    expect(e.message).toContain('deploy/iam/berth-controller-policy.json');
  });

  it('tells rejected credentials from missing ones', () => {
    const rejected = classifyEc2Error(sdkError('AuthFailure', 401), OFFERING, 'ec2:TerminateInstances');
    expect((rejected as AwsAccessError).problem).toBe('rejected-credentials');
    expect(rejected.message).toMatch(/rejected berth's credentials on ec2:TerminateInstances/);
    const missing = new Error('Could not load credentials from any providers');
    missing.name = 'CredentialsProviderError';
    const e = classifyEc2Error(missing, OFFERING);
    expect((e as AwsAccessError).problem).toBe('missing-credentials');
    expect(e.message).toMatch(/no AWS credentials for ec2:RunInstances/);
    expect(e.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('hands back anything else as it was, for the controller to retry', () => {
    const odd = sdkError('InvalidParameterValue');
    expect(classifyEc2Error(odd, OFFERING)).toBe(odd);
    expect(classifyEc2Error('boom', OFFERING).message).toContain('boom');
  });
});

describe('classifyAwsError (calls that buy nothing: pricing, describe, terminate, SQS)', () => {
  it('translates access problems for any service, a bare 403 included', () => {
    const forbidden = classifyAwsError(sdkError('AccessDeniedException', 400), 'pricing:GetProducts');
    expect(forbidden).toMatchObject({ problem: 'forbidden', action: 'pricing:GetProducts' });
    expect(forbidden.message).toMatch(/grant pricing:GetProducts to the role or user berth runs as/);
    expect(classifyAwsError(sdkError('Unknown', 403), 'sqs:ReceiveMessage')).toBeInstanceOf(AwsAccessError);
    expect(
      classifyAwsError(sdkError('UnrecognizedClientException', 400), 'pricing:GetProducts'),
    ).toMatchObject({ problem: 'rejected-credentials' });
  });

  it('leaves a capacity code alone outside a launch', () => {
    const capacity = sdkError('InsufficientInstanceCapacity', 500);
    expect(classifyAwsError(capacity, 'ec2:DescribeInstances')).toBe(capacity);
  });
});

describe('isThrottling and mayRetryAwsCall', () => {
  it.each([
    ['ThrottlingException', 400, true],
    ['RequestLimitExceeded', 503, true],
    ['Unknown', 429, true],
    ['Unknown', 503, true],
    ['InvalidParameterException', 400, false],
    ['InternalErrorException', 500, false],
  ])('%s (HTTP %s) is throttling: %s', (code, status, expected) => {
    expect(isThrottling(sdkError(code, status))).toBe(expected);
  });

  it('retries throttling always, transient failures only where asked, capacity and access never', () => {
    const throttled = sdkError('RequestLimitExceeded', 503);
    expect(mayRetryAwsCall(throttled, 'THROTTLING', 'throttling')).toBe(true);
    // The SDK reads a 503 as transient; it is still "too many requests", refused before anything was done.
    expect(mayRetryAwsCall(throttled, 'TRANSIENT', 'throttling')).toBe(true);
    const internal = sdkError('InternalError', 500);
    expect(mayRetryAwsCall(internal, 'TRANSIENT', 'throttling-and-transient')).toBe(true);
    expect(mayRetryAwsCall(internal, 'TRANSIENT', 'throttling')).toBe(false);
    const capacity = sdkError('InsufficientInstanceCapacity', 500);
    expect(mayRetryAwsCall(capacity, 'TRANSIENT', 'throttling-and-transient')).toBe(false);
    expect(mayRetryAwsCall(sdkError('ExpiredToken', 400), 'TRANSIENT', 'throttling-and-transient')).toBe(
      false,
    );
    expect(
      mayRetryAwsCall(sdkError('InvalidParameterValue'), 'CLIENT_ERROR', 'throttling-and-transient'),
    ).toBe(false);
  });
});
