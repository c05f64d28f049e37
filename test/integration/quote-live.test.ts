import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveOfferings, quoteManifests, runOfferings } from '../../src/cli/quote.ts';
import { PlacementEngine } from '../../src/placement/engine.ts';
import { localReach } from '../../providers/local/provider.ts';
import { type AwsPriceEmulators, ec2Product, startAwsPriceEmulators } from './price-list-server.ts';

/** `berth quote --live-prices`: the AWS adapter's prices, against a local Price List server and moto's EC2. */
const REGION = 'us-east-1';
const POD = `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: c
      image: nginx
      resources: {requests: {cpu: "1", memory: 2Gi}}
`;

describe('quote with live AWS prices', () => {
  let aws: AwsPriceEmulators;
  beforeAll(async () => {
    // A live price well under the embedded one for m5.large, so a live quote picks it.
    aws = await startAwsPriceEmulators([
      ec2Product('m5.large', '0.0010000000', REGION),
      ec2Product('c5.xlarge', '0.1700000000', REGION),
    ]);
  }, 60_000);
  afterAll(async () => {
    await aws?.stop();
  });

  it('prices the region from the live APIs and says so on the chosen offering', async () => {
    const live = await liveOfferings({
      cloud: 'aws',
      region: REGION,
      flags: { pricingEndpoint: aws.prices.endpoint, awsEndpoint: aws.moto.endpoint },
    });
    expect(live.some((o) => o.instanceType === 'm5.large' && o.capacityType === 'on-demand')).toBe(true);
    const reach = localReach('aws', REGION);
    const { offerings } = runOfferings({ cloud: 'aws', region: REGION, reach, live });
    const [quote] = quoteManifests(POD, 'pod.yaml', { engine: new PlacementEngine(offerings) });
    const chosen = quote!.decision.chosen!;
    expect(chosen.offering.source.kind).toBe('live');
    // Without live prices, the same pod is quoted from the embedded catalog.
    const embeddedOnly = new PlacementEngine(runOfferings({ cloud: 'aws', region: REGION, reach }).offerings);
    const [embedded] = quoteManifests(POD, 'pod.yaml', { engine: embeddedOnly });
    expect(embedded!.decision.chosen!.offering.source.kind).toBe('embedded');
  });

  it('falls back to the embedded catalog, with a warning, when the live APIs fail', async () => {
    aws.prices.failWith({ status: 403, type: 'AccessDeniedException', message: 'not allowed' });
    const warnings: string[] = [];
    const live = await liveOfferings({
      cloud: 'aws',
      region: REGION,
      flags: { pricingEndpoint: aws.prices.endpoint, awsEndpoint: aws.moto.endpoint },
      warn: (m) => warnings.push(m),
    });
    aws.prices.failWith(undefined);
    expect(live).toEqual([]);
    expect(warnings.join('\n')).toMatch(/using the embedded catalog/);
  });
});
