import { describe, expect, it } from 'vitest';
import {
  advance,
  DEFAULT_TUNING,
  newBucket,
  Pacer,
  PacingRefused,
  paced,
  reserve,
  slowDown,
} from '../../../providers/api-pacing.ts';
import { EC2_LIMITS, ec2Costs } from '../../../providers/aws/ec2-limits.ts';
import { ec2CallOf } from '../../../providers/aws/ec2-pacing.ts';

const limit = { capacity: 5, refillPerSecond: 2 };

function fakeClock(start = 0) {
  let t = start;
  return { now: () => t, tick: (ms: number) => (t += ms) };
}

describe('a token bucket (pure, fake clock)', () => {
  it('lets a full bucket burst, then queues each call one refill apart', () => {
    let b = newBucket(limit, 0);
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = reserve(b, 1, 0);
      b = r.state;
      waits.push(r.waitMs);
    }
    expect(waits).toEqual([0, 0, 0, 0, 0, 500, 1000, 1500]);
  });

  it('refills at its rate, never past its capacity', () => {
    const b = reserve(newBucket(limit, 0), 5, 0).state;
    expect(advance(b, 1000).tokens).toBeCloseTo(2);
    expect(advance(b, 60_000).tokens).toBe(5);
  });

  it('charges a cost above the capacity as the capacity', () => {
    const r = reserve(newBucket(limit, 0), 50, 0);
    expect(r.waitMs).toBe(0);
    expect(r.state.tokens).toBe(0);
  });

  it('on a throttle halves the rate, down to a floor, and empties the bucket', () => {
    let b = newBucket({ capacity: 100, refillPerSecond: 20 }, 0);
    b = slowDown(b, 0);
    expect(b.rate).toBe(10);
    expect(b.tokens).toBe(0);
    for (let i = 0; i < 20; i++) b = slowDown(b, 0);
    expect(b.rate).toBe(20 * DEFAULT_TUNING.floorFraction);
  });

  it('honours Retry-After: no turn before it', () => {
    const b = slowDown(newBucket(limit, 0), 0, 3000);
    expect(reserve(b, 1, 0).waitMs).toBeGreaterThanOrEqual(3000);
  });

  it('grows the rate back step by step after quiet stretches, up to the documented rate', () => {
    let b = newBucket({ capacity: 100, refillPerSecond: 16 }, 0);
    b = slowDown(slowDown(b, 0), 0); // 4/s
    expect(advance(b, DEFAULT_TUNING.quietMs - 1).rate).toBe(4);
    expect(advance(b, DEFAULT_TUNING.quietMs).rate).toBe(6);
    expect(advance(b, 2 * DEFAULT_TUNING.quietMs).rate).toBe(9);
    expect(advance(b, 10 * DEFAULT_TUNING.quietMs).rate).toBe(16);
  });
});

describe('the pacer', () => {
  it('books each call in every bucket it spends from and waits the longest', () => {
    const clock = fakeClock();
    const p = new Pacer({ cloud: 'aws', limits: EC2_LIMITS, clock, tuning: { headroom: 1 } });
    // Five RunInstances of one instance: the request bucket (5) lets them through at once.
    for (let i = 0; i < 5; i++) expect(p.reserve(ec2Costs({ action: 'RunInstances', instances: 1 }))).toBe(0);
    // The sixth waits a refill of the request bucket (2/s).
    expect(p.reserve(ec2Costs({ action: 'RunInstances', instances: 1 }))).toBe(500);
    // A describe is in another bucket: not held up.
    expect(p.reserve(ec2Costs({ action: 'DescribeInstances', filteredOrPaged: true }))).toBe(0);
    const s = p.stats();
    expect(s.RunInstances?.requests).toBe(6);
    expect(s['instances-launched']?.tokens).toBe(994);
    expect(s['non-mutating']?.requests).toBe(1);
  });

  it('keeps a margin below the documented figures', () => {
    const p = new Pacer({
      cloud: 'aws',
      limits: { x: { capacity: 10, refillPerSecond: 5 } },
      clock: fakeClock(),
    });
    const waits = Array.from({ length: 9 }, () => p.reserve([{ bucket: 'x', cost: 1 }]));
    expect(waits).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 250]);
    expect(p.stats().x).toMatchObject({ capacity: 10, documentedRate: 5, ceilingRate: 4 });
  });

  it('refuses, booking nothing, a wait past the bound', () => {
    const clock = fakeClock();
    const p = new Pacer({
      cloud: 'aws',
      limits: { x: { capacity: 1, refillPerSecond: 1 } },
      clock,
      tuning: { maxWaitMs: 2000, headroom: 1 },
    });
    p.reserve([{ bucket: 'x', cost: 1 }]);
    p.reserve([{ bucket: 'x', cost: 1 }]);
    p.reserve([{ bucket: 'x', cost: 1 }]);
    expect(() => p.reserve([{ bucket: 'x', cost: 1 }])).toThrow(PacingRefused);
    expect(p.stats().x?.requests).toBe(3);
  });

  it('sends a throttled call again after slowing the bucket, so the caller sees the answer', async () => {
    const throttles: number[] = [];
    const p = new Pacer({
      cloud: 'test',
      limits: { x: { capacity: 100, refillPerSecond: 1000 } },
      tuning: { headroom: 1 },
      onThrottle: (_, rate) => throttles.push(rate),
    });
    let sent = 0;
    const out = await paced(
      p,
      [{ bucket: 'x', cost: 1 }],
      async () => {
        sent += 1;
        if (sent < 3) throw Object.assign(new Error('slow down'), { name: 'RequestLimitExceeded' });
        return 'ok';
      },
      { throttle: (o) => ('error' in o ? {} : false) },
    );
    expect(out).toBe('ok');
    expect(sent).toBe(3);
    expect(throttles).toEqual([500, 250]);
    expect(p.stats().x?.throttled).toBe(2);
  });

  it('gives up after maxThrottles and hands the throttle back', async () => {
    const p = new Pacer({ cloud: 'test', limits: { x: { capacity: 100, refillPerSecond: 100_000 } } });
    const err = new Error('still throttled');
    await expect(
      paced(
        p,
        [{ bucket: 'x', cost: 1 }],
        async () => {
          throw err;
        },
        { throttle: () => ({}), maxThrottles: 2 },
      ),
    ).rejects.toBe(err);
    expect(p.stats().x?.throttled).toBe(3);
  });

  it('close rejects the waits in progress', async () => {
    const p = new Pacer({ cloud: 'test', limits: { x: { capacity: 1, refillPerSecond: 0.01 } } });
    await p.take([{ bucket: 'x', cost: 1 }]);
    const waiting = p.take([{ bucket: 'x', cost: 1 }]);
    p.close();
    await expect(waiting).rejects.toThrow(/closed/);
  });
});

describe("EC2's buckets", () => {
  it('sorts actions into the documented categories and resource buckets', () => {
    expect(ec2Costs({ action: 'RunInstances', instances: 3 })).toEqual([
      { bucket: 'RunInstances', cost: 1 },
      { bucket: 'instances-launched', cost: 3 },
    ]);
    expect(ec2Costs({ action: 'CreateFleet', instances: 40 })).toEqual([
      { bucket: 'mutating', cost: 1 },
      { bucket: 'instances-launched', cost: 40 },
    ]);
    expect(ec2Costs({ action: 'TerminateInstances', instances: 2 })).toEqual([
      { bucket: 'TerminateInstances', cost: 1 },
      { bucket: 'instances-terminated', cost: 2 },
    ]);
    expect(ec2Costs({ action: 'CreateTags' })).toEqual([{ bucket: 'CreateTags', cost: 1 }]);
    expect(ec2Costs({ action: 'DescribeInstances' })).toEqual([
      { bucket: 'unfiltered-non-mutating', cost: 1 },
    ]);
    expect(ec2Costs({ action: 'DescribeInstances', filteredOrPaged: true })).toEqual([
      { bucket: 'non-mutating', cost: 1 },
    ]);
    expect(ec2Costs({ action: 'DescribeSubnets' })).toEqual([{ bucket: 'non-mutating', cost: 1 }]);
  });

  it("reads a command's input: instances launched or terminated, filters and pages", () => {
    expect(ec2CallOf('RunInstancesCommand', { MinCount: 1, MaxCount: 1 })).toEqual({
      action: 'RunInstances',
      instances: 1,
      filteredOrPaged: false,
    });
    expect(
      ec2CallOf('CreateFleetCommand', { TargetCapacitySpecification: { TotalTargetCapacity: 7 } }),
    ).toMatchObject({ action: 'CreateFleet', instances: 7 });
    expect(ec2CallOf('TerminateInstancesCommand', { InstanceIds: ['i-1', 'i-2'] })).toMatchObject({
      instances: 2,
    });
    expect(ec2CallOf('DescribeInstancesCommand', { Filters: [{ Name: 'x', Values: ['y'] }] })).toMatchObject({
      filteredOrPaged: true,
    });
    expect(ec2CallOf('DescribeInstancesCommand', { MaxResults: 500 })).toMatchObject({
      filteredOrPaged: true,
    });
  });
});
