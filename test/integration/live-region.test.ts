import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPricingAdapter } from '../../pricing/aws/adapter.ts';
import { InputError } from '../../src/model/index.ts';
import { berthPod, core, startBerth, waitBerth } from './berth-harness.ts';
import { freshNamespace } from './helpers.ts';
import { type AwsPriceEmulators, ec2Product, startAwsPriceEmulators } from './price-list-server.ts';

/** A region the embedded catalog lacks: only live prices can cover it. */
const REGION = 'eu-west-1';
const SCHEDULER = 'berth-live-region';

describe('a region missing from the embedded catalog', () => {
  let aws: AwsPriceEmulators;
  beforeAll(async () => {
    aws = await startAwsPriceEmulators([
      ec2Product('m5.large', '0.1070000000', REGION),
      ec2Product('c5.large', '0.0960000000', REGION),
    ]);
  }, 120_000);
  afterAll(async () => {
    await aws?.stop();
  });

  const adapter = () =>
    createAwsPricingAdapter({
      region: REGION,
      pricingEndpoint: aws.prices.endpoint,
      ec2Endpoint: aws.moto.endpoint,
      retry: { baseDelayMs: 20, maxDelayMs: 200 },
      onWarning: () => {},
    });

  it('without live prices is one clear error naming the flag that fixes it', async () => {
    const started = startBerth({ schedulerName: SCHEDULER, region: REGION });
    await expect(started).rejects.toThrow(InputError);
    await expect(started).rejects.toThrow(/eu-west-1.*--live-prices/);
  });

  it('with live prices fetches first and starts on them, and places a pod', async () => {
    const berth = await startBerth({
      schedulerName: SCHEDULER,
      region: REGION,
      livePrices: { adapter: adapter() },
    });
    try {
      const current = berth.prices?.current();
      expect(current?.source).toBe('live');
      expect(current?.offerings.length).toBeGreaterThan(0);
      expect(new Set(current?.offerings.map((o) => o.region))).toEqual(new Set([REGION]));

      const ns = await freshNamespace(core, 'live-region');
      await core.createNamespacedPod({
        namespace: ns,
        body: berthPod('p1', { completeAfter: '1s', schedulerName: SCHEDULER }),
      });
      const bound = await waitBerth(
        ns,
        'p1',
        'Bound',
        (b) => b.status?.phase === 'Bound' || b.status?.phase === 'Terminated',
      );
      expect(bound.spec.offering?.region).toBe(REGION);
      expect(bound.spec.offering?.source.kind).toBe('live');
    } finally {
      await berth.stop();
    }
  });

  it('with live prices that cannot be fetched says so instead of starting with nothing', async () => {
    aws.prices.failWith({ status: 403, type: 'AccessDeniedException', message: 'not allowed' });
    try {
      const started = startBerth({
        schedulerName: SCHEDULER,
        region: REGION,
        livePrices: { adapter: adapter() },
      });
      await expect(started).rejects.toThrow(/eu-west-1.*first live price fetch failed/);
    } finally {
      aws.prices.failWith(undefined);
    }
  });
});
