import { describe, expect, it } from 'vitest';
import {
  AwsCredentialsError,
  awsErrorFacts,
  credentialsError,
  isThrottling,
  parseRetryAfter,
  retryDelayMs,
} from '../../../pricing/aws/aws-errors.ts';
import { callAws } from '../../../pricing/aws/call.ts';

/** An error shaped as the SDK v3 throws them: a name, $metadata and the raw $response. */
function sdkError(name: string, status?: number, headers: Record<string, string> = {}): Error {
  const err = new Error(`${name} happened`);
  err.name = name;
  return Object.assign(err, {
    $metadata: status === undefined ? {} : { httpStatusCode: status },
    $response: { statusCode: status, headers },
  });
}

describe('awsErrorFacts and isThrottling', () => {
  it('reads name, status and Retry-After', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(awsErrorFacts(sdkError('ThrottlingException', 400, { 'retry-after': '2' }), now)).toEqual({
      name: 'ThrottlingException',
      message: 'ThrottlingException happened',
      status: 400,
      retryAfterMs: 2000,
    });
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });

  it.each([
    ['ThrottlingException', 400, true],
    ['RequestLimitExceeded', 503, true],
    ['Unknown', 429, true],
    ['Unknown', 503, true],
    ['InvalidParameterException', 400, false],
    ['InternalErrorException', 500, false],
  ])('%s (HTTP %s) is throttling: %s', (name, status, expected) => {
    expect(isThrottling(awsErrorFacts(sdkError(name, status)))).toBe(expected);
  });
});

describe('retryDelayMs', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles with jitter in [ceiling/2, ceiling], capped', () => {
    const facts = { name: 'ThrottlingException', message: '' };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, facts, policy, () => 1))).toEqual([
      100, 200, 400, 800, 1000,
    ]);
    expect(retryDelayMs(3, facts, policy, () => 0)).toBe(200);
  });
  it('honours Retry-After, within the cap', () => {
    expect(retryDelayMs(1, { name: 'x', message: '', retryAfterMs: 700 }, policy)).toBe(700);
    expect(retryDelayMs(1, { name: 'x', message: '', retryAfterMs: 60_000 }, policy)).toBe(1000);
  });
});

describe('credentialsError', () => {
  it('says which credentials are missing and what to set', () => {
    const err = credentialsError(awsErrorFacts(sdkError('CredentialsProviderError')), 'pricing:GetProducts');
    expect(err).toBeInstanceOf(AwsCredentialsError);
    expect(err?.problem).toBe('missing');
    expect(err?.message).toMatch(/no AWS credentials found for pricing:GetProducts/);
    expect(err?.message).toMatch(/AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });
  it('tells a rejected key from a missing permission', () => {
    const rejected = credentialsError(
      awsErrorFacts(sdkError('AuthFailure', 401)),
      'ec2:DescribeInstanceTypes',
    );
    expect(rejected?.problem).toBe('rejected');
    const forbidden = credentialsError(
      awsErrorFacts(sdkError('UnauthorizedOperation', 403)),
      'ec2:DescribeSpotPriceHistory',
    );
    expect(forbidden?.problem).toBe('forbidden');
    expect(forbidden?.message).toMatch(/grant ec2:DescribeSpotPriceHistory/);
    expect(credentialsError(awsErrorFacts(sdkError('ThrottlingException', 400)), 'x')).toBeUndefined();
  });
});

describe('callAws', () => {
  const retry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

  it('retries throttling and returns the answer, telling each retry', async () => {
    const errors = [sdkError('ThrottlingException', 400), sdkError('Unknown', 429)];
    const retries: string[] = [];
    let calls = 0;
    const out = await callAws(
      'pricing:GetProducts',
      async () => {
        calls++;
        const err = errors.shift();
        if (err) throw err;
        return 'ok';
      },
      { retry, signal: new AbortController().signal, onRetry: (m) => retries.push(m) },
    );
    expect(out).toBe('ok');
    expect(calls).toBe(3);
    expect(retries[0]).toMatch(
      /pricing:GetProducts throttled \(ThrottlingException, HTTP 400\); attempt 2 of 3/,
    );
    expect(retries[1]).toMatch(/HTTP 429.*attempt 3 of 3/);
  });

  it('gives up after the bounded number of attempts', async () => {
    let calls = 0;
    await expect(
      callAws(
        'ec2:DescribeSpotPriceHistory',
        async () => {
          calls++;
          throw sdkError('RequestLimitExceeded', 503);
        },
        { retry, signal: new AbortController().signal },
      ),
    ).rejects.toThrow(/ec2:DescribeSpotPriceHistory failed after 3 attempts: RequestLimitExceeded/);
    expect(calls).toBe(3);
  });

  it('does not retry other errors, and turns credentials errors into AwsCredentialsError', async () => {
    let calls = 0;
    const send = async () => {
      calls++;
      throw sdkError('InvalidParameterException', 400);
    };
    await expect(
      callAws('pricing:GetProducts', send, { retry, signal: new AbortController().signal }),
    ).rejects.toThrow(
      'pricing:GetProducts failed: InvalidParameterException: InvalidParameterException happened',
    );
    expect(calls).toBe(1);
    await expect(
      callAws(
        'pricing:GetProducts',
        async () => {
          throw sdkError('CredentialsProviderError');
        },
        { retry, signal: new AbortController().signal },
      ),
    ).rejects.toBeInstanceOf(AwsCredentialsError);
  });

  it('stops waiting when aborted', async () => {
    const c = new AbortController();
    const pending = callAws(
      'pricing:GetProducts',
      async () => {
        throw sdkError('ThrottlingException', 400);
      },
      { retry: { attempts: 5, baseDelayMs: 10_000, maxDelayMs: 10_000 }, signal: c.signal },
    );
    c.abort(new Error('shutting down'));
    await expect(pending).rejects.toThrow('shutting down');
  });
});
