import { describe, expect, it } from 'vitest';
import { awsCallError, retryMessage } from '../../../pricing/aws/call.ts';
import { AwsAccessError } from '../../../src/model/index.ts';

/** An error shaped as the SDK v3 throws them once it has given up: a name and $metadata. */
function sdkError(name: string, status?: number, attempts?: number): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return Object.assign(err, {
    $metadata: {
      ...(status === undefined ? {} : { httpStatusCode: status }),
      ...(attempts === undefined ? {} : { attempts }),
    },
  });
}

const live = () => new AbortController().signal;

describe('awsCallError', () => {
  it('names the action, the code and how many attempts the SDK made', () => {
    const once = awsCallError('pricing:GetProducts', sdkError('InvalidParameterException', 400, 1), live());
    expect((once as Error).message).toBe(
      'pricing:GetProducts failed: InvalidParameterException: InvalidParameterException happened',
    );
    const retried = awsCallError(
      'ec2:DescribeSpotPriceHistory',
      sdkError('RequestLimitExceeded', 503, 6),
      live(),
    );
    expect((retried as Error).message).toMatch(
      /^ec2:DescribeSpotPriceHistory failed after 6 attempts: RequestLimitExceeded/,
    );
    expect((retried as Error).cause).toBeInstanceOf(Error);
  });

  it('turns credentials problems into an AwsAccessError naming the IAM action', () => {
    const missing = awsCallError('pricing:GetProducts', sdkError('CredentialsProviderError'), live());
    expect(missing).toBeInstanceOf(AwsAccessError);
    expect(missing).toMatchObject({ problem: 'missing-credentials', action: 'pricing:GetProducts' });
    expect((missing as Error).message).toMatch(/no AWS credentials for pricing:GetProducts/);
    const forbidden = awsCallError(
      'ec2:DescribeSpotPriceHistory',
      sdkError('UnauthorizedOperation', 403),
      live(),
    );
    expect((forbidden as Error).message).toMatch(/grant ec2:DescribeSpotPriceHistory/);
  });

  it('after an abort, is the abort reason rather than the SDK error', () => {
    const c = new AbortController();
    const reason = new Error('shutting down');
    c.abort(reason);
    expect(awsCallError('pricing:GetProducts', sdkError('AbortError'), c.signal)).toBe(reason);
  });
});

describe('retryMessage', () => {
  it('says what was throttled, how, and which attempt comes next', () => {
    const n = { error: sdkError('ThrottlingException', 400), attempt: 2, maxAttempts: 3, waitedMs: 512 };
    expect(retryMessage('pricing:GetProducts', n)).toBe(
      'pricing:GetProducts throttled (ThrottlingException, HTTP 400); attempt 2 of 3 after 512 ms',
    );
  });
});
