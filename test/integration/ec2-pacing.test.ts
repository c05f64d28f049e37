import { DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ec2Client } from '../../providers/aws/clients.ts';
import { EC2_LIMITS } from '../../providers/aws/ec2-limits.ts';
import { closeSharedPacers } from '../../providers/api-pacing.ts';
import { ec2Pacer } from '../../providers/aws/ec2-pacing.ts';
import { startThrottlingProxy, type ThrottlingProxy } from '../../providers/aws/ec2-throttling-proxy.ts';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import { EMULATOR_CREDENTIALS } from '../../providers/aws/simulation.ts';

/**
 * EC2 calls through the real SDK against moto behind the sandbox's
 * throttling proxy (EC2's documented buckets). The burst is of unfiltered
 * DescribeInstances: the smallest bucket berth's calls can meet that moto
 * answers cheaply (50, 10/s).
 */

const REGION = 'us-east-1';
const BURST = 200;
const bucket = EC2_LIMITS['unfiltered-non-mutating'];

let moto: MotoServer;
const proxies: ThrottlingProxy[] = [];
const clients: EC2Client[] = [];

async function proxy(): Promise<ThrottlingProxy> {
  const p = await startThrottlingProxy(moto.endpoint);
  proxies.push(p);
  return p;
}

/** No SDK retries: whatever succeeds after a throttle, the pacing made succeed. */
function client(endpoint: string, pacing: boolean): EC2Client {
  const c = ec2Client({
    region: REGION,
    endpoint,
    credentials: EMULATOR_CREDENTIALS,
    retry: { maxAttempts: 1 },
    ...(pacing ? { pacing: { onThrottle: () => {} } } : { pacing: false }),
  });
  clients.push(c);
  return c;
}

const describeAll = (c: EC2Client) => c.send(new DescribeInstancesCommand({}));

beforeAll(async () => {
  moto = await startMotoServer();
});

afterAll(async () => {
  closeSharedPacers();
  for (const c of clients) c.destroy();
  for (const p of proxies) await p.close();
  await moto?.stop();
});

describe('EC2 API pacing against the throttling proxy', () => {
  it('without pacing, a burst past the bucket meets RequestLimitExceeded', async () => {
    const p = await proxy();
    const c = client(p.endpoint, false);
    const results = await Promise.allSettled(Array.from({ length: BURST }, () => describeAll(c)));
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => r.status === 'rejected' && r.reason.name === 'RequestLimitExceeded')).toBe(
      true,
    );
    expect(p.counts().DescribeInstances?.throttled).toBe(refused.length);
  });

  it('with pacing, the same burst waits its turns and meets no throttle', async () => {
    const p = await proxy();
    const c = client(p.endpoint, true);
    const started = performance.now();
    const results = await Promise.allSettled(Array.from({ length: BURST }, () => describeAll(c)));
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(p.counts().DescribeInstances).toEqual({ calls: BURST, throttled: 0 });
    // What the bucket could not give at once came at its refill rate: the burst took at least that long.
    const expectedMs = ((BURST - (bucket?.capacity ?? 0)) / (bucket?.refillPerSecond ?? 1)) * 1000;
    // (the pacer keeps a margin below the documented figures, so it takes somewhat longer)
    expect(performance.now() - started).toBeGreaterThanOrEqual(expectedMs * 0.9);
    expect(ec2Pacer(REGION, p.endpoint).stats()['unfiltered-non-mutating']?.requests).toBe(BURST);
  });

  it('a throttle still met (another client spent the bucket) slows the pacer, and the call still succeeds', async () => {
    const p = await proxy();
    const other = client(p.endpoint, false);
    const paced = client(p.endpoint, true);
    // Another client of the account empties the bucket behind the pacer's back.
    await Promise.allSettled(Array.from({ length: 60 }, () => describeAll(other)));
    const out = await Promise.all(Array.from({ length: 5 }, () => describeAll(paced)));
    expect(out.map((o) => o.$metadata.httpStatusCode)).toEqual([200, 200, 200, 200, 200]);
    const s = ec2Pacer(REGION, p.endpoint).stats()['unfiltered-non-mutating'];
    expect(s?.throttled).toBeGreaterThan(0);
    expect(s?.rate).toBeLessThan(s?.ceilingRate ?? 0);
    // The proxy refused the paced client's first try at least: the success came from a paced retry.
    expect(p.counts().DescribeInstances?.calls).toBeGreaterThan(65);
  });

  it("a call waiting for its turn ends with its caller's abortSignal, sending nothing", async () => {
    const p = await proxy();
    const c = client(p.endpoint, true);
    // Book the bucket a few seconds ahead, then ask for one more turn with a short deadline.
    const queued = Promise.allSettled(Array.from({ length: 70 }, () => describeAll(c)));
    const started = performance.now();
    const err = await c
      .send(new DescribeInstancesCommand({}), { abortSignal: AbortSignal.timeout(300) })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(performance.now() - started).toBeLessThan(1500);
    await queued;
    expect(p.counts().DescribeInstances?.calls).toBe(70);
  });
});
