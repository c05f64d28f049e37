import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DescribeInstancesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRetryOn } from '../../../src/model/aws-errors.ts';
import { type AwsRetryNotice, awsRetryConfig, backoffMs } from '../../../src/model/aws-retry.ts';

describe('backoffMs', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 1000 };
  it('doubles with equal jitter in [ceiling/2, ceiling], capped', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });
});

/**
 * A real EC2 client with berth's strategy against a local server that answers
 * with EC2's own error shape: what the SDK does with it is what is tested.
 */
describe('the SDK retry strategy berth configures', () => {
  let server: Server;
  let endpoint = '';
  /** Answers to give, in order: an error [code, status], or undefined for success. */
  let script: ([string, number] | undefined)[] = [];
  let calls = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        const answer = script.length > 0 ? script.shift() : undefined;
        if (answer) {
          const [code, status] = answer;
          res.writeHead(status, { 'content-type': 'text/xml' });
          res.end(
            `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code>` +
              `<Message>injected ${code}</Message></Error></Errors><RequestID>r-${calls}</RequestID></Response>`,
          );
          return;
        }
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          '<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">' +
            '<requestId>ok</requestId><reservationSet/></DescribeInstancesResponse>',
        );
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.close();
    await once(server, 'close');
  });

  function client(retryOn: AwsRetryOn, notices: AwsRetryNotice[] = [], delay = { base: 5, max: 20 }) {
    return new EC2Client({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      ...awsRetryConfig({
        maxAttempts: 4,
        baseDelayMs: delay.base,
        maxDelayMs: delay.max,
        retryOn,
        onRetry: (n) => notices.push(n),
      }),
    });
  }

  async function send(ec2: EC2Client, answers: typeof script, signal?: AbortSignal): Promise<unknown> {
    script = [...answers];
    calls = 0;
    try {
      return await ec2.send(new DescribeInstancesCommand({}), signal ? { abortSignal: signal } : {});
    } catch (err) {
      return err;
    } finally {
      ec2.destroy();
    }
  }

  it('retries throttling with backoff and tells each retry', async () => {
    const notices: AwsRetryNotice[] = [];
    const out = await send(client('throttling', notices), [
      ['RequestLimitExceeded', 503],
      ['Throttling', 400],
    ]);
    expect(out).toMatchObject({ $metadata: { httpStatusCode: 200, attempts: 3 } });
    expect(calls).toBe(3);
    expect(notices.map((n) => [n.attempt, n.maxAttempts])).toEqual([
      [2, 4],
      [3, 4],
    ]);
    expect(notices.map((n) => (n.error as Error).name)).toEqual(['RequestLimitExceeded', 'Throttling']);
    // Equal jitter: at least half the ceiling (5 ms, then 10 ms) is waited.
    expect(notices[0]?.waitedMs).toBeGreaterThanOrEqual(2);
    expect(notices[1]?.waitedMs).toBeGreaterThanOrEqual(4);
  });

  it('gives up after maxAttempts in all, handing back the last error', async () => {
    const out = await send(client('throttling-and-transient'), Array(10).fill(['RequestLimitExceeded', 503]));
    expect(out).toMatchObject({ name: 'RequestLimitExceeded', $metadata: { attempts: 4 } });
    expect(calls).toBe(4);
  });

  it('retries a transient failure only where asked (never for RunInstances)', async () => {
    const once500: typeof script = [['InternalError', 500]];
    expect(await send(client('throttling'), once500)).toMatchObject({ name: 'InternalError' });
    expect(calls).toBe(1);
    expect(await send(client('throttling-and-transient'), once500)).toMatchObject({
      $metadata: { attempts: 2 },
    });
    expect(calls).toBe(2);
  });

  it('never retries a capacity answer, although EC2 sends it as a server error', async () => {
    const out = await send(client('throttling-and-transient'), [['InsufficientInstanceCapacity', 500]]);
    expect(out).toMatchObject({ name: 'InsufficientInstanceCapacity' });
    expect(calls).toBe(1);
  });

  it('stops waiting when the call is aborted', async () => {
    const c = new AbortController();
    const started = Date.now();
    const pending = send(
      client('throttling', [], { base: 4_000, max: 4_000 }),
      Array(10).fill(['RequestLimitExceeded', 503]),
      c.signal,
    );
    setTimeout(() => c.abort(new Error('shutting down')), 100);
    expect(await pending).toMatchObject({ name: 'AbortError' });
    // The backoff is at least 2 s; the abort ends the wait at once.
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(calls).toBe(1);
  });
});
