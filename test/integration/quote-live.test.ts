import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveAwsOfferings, quoteManifests, runOfferings } from '../../src/cli/quote.ts';
import { PlacementEngine } from '../../src/placement/engine.ts';
import { localReach } from '../../providers/local/provider.ts';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import { EMULATOR_CREDENTIALS } from '../../providers/aws/simulation.ts';
import { ec2Product, type PriceListServer, startPriceListServer } from './price-list-server.ts';

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
  let moto: MotoServer;
  let prices: PriceListServer;
  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    moto = await startMotoServer();
    // A live price well under the embedded one for m5.large, so a live quote picks it.
    prices = await startPriceListServer({
      products: [
        ec2Product('m5.large', '0.0010000000', REGION),
        ec2Product('c5.xlarge', '0.1700000000', REGION),
      ],
      pageSize: 100,
      accessKeyId: EMULATOR_CREDENTIALS.accessKeyId,
    });
  }, 60_000);
  afterAll(async () => {
    await prices?.close();
    await moto?.stop();
  });

  it('prices the region from the live APIs and says so on the chosen offering', async () => {
    const live = await liveAwsOfferings({
      region: REGION,
      pricingEndpoint: prices.endpoint,
      ec2Endpoint: moto.endpoint,
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
    prices.failWith({ status: 403, type: 'AccessDeniedException', message: 'not allowed' });
    const warnings: string[] = [];
    const live = await liveAwsOfferings({
      region: REGION,
      pricingEndpoint: prices.endpoint,
      ec2Endpoint: moto.endpoint,
      warn: (m) => warnings.push(m),
    });
    prices.failWith(undefined);
    expect(live).toEqual([]);
    expect(warnings.join('\n')).toMatch(/using the embedded catalog/);
  });
});
