import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RETAIL_ORIGIN } from '../../pricing/azure/offerings.ts';
import { type ArmServer, startArmServer } from '../../providers/azure/arm-server.ts';
import {
  type RetailPricesServer,
  retailRowsFor,
  startRetailPricesServer,
} from '../../providers/azure/retail-prices-server.ts';
import { liveOfferings, quoteManifests, runOfferings } from '../../src/cli/quote.ts';
import { azureKit } from '../../src/cli/azure-kit.ts';
import { PlacementEngine } from '../../src/placement/engine.ts';

/**
 * `berth quote --cloud azure --live-prices --region eastus`: the kit's
 * adapter with its flags, credentials from @azure/identity's default chain
 * (a managed identity endpoint the stand-in serves), ResourceSkus from the
 * ARM stand-in and prices from a local Retail Prices server.
 */
const REGION = 'eastus';
const POD = `apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
    - name: c
      image: nginx
      resources: {requests: {cpu: "1", memory: 2Gi}}
`;

let arm: ArmServer;
let retail: RetailPricesServer;
let dir: string;
let flags: Record<string, string>;
const saved = { endpoint: process.env.IDENTITY_ENDPOINT, header: process.env.IDENTITY_HEADER };

beforeAll(async () => {
  arm = await startArmServer({
    location: REGION,
    skus: [{ name: 'Standard_D2as_v5', vcpus: 2, memoryGB: 8, zones: ['1'] }],
  });
  retail = await startRetailPricesServer({
    // Well under the embedded price, so the live quote picks it.
    items: retailRowsFor({
      size: 'Standard_D2as_v5',
      region: REGION,
      onDemand: 0.001,
      spot: 0.0005,
      series: 'Dasv5',
    }),
    pageSize: 2,
  });
  process.env.IDENTITY_ENDPOINT = arm.identity.endpoint;
  process.env.IDENTITY_HEADER = arm.identity.header;
  dir = mkdtempSync(join(tmpdir(), 'berth-quote-azure-'));
  writeFileSync(join(dir, 'arm-ca.pem'), arm.ca);
  flags = {
    azureSubscription: arm.subscriptionId,
    azureEndpoint: arm.endpoint,
    azureEndpointCa: join(dir, 'arm-ca.pem'),
    pricingEndpoint: retail.endpoint,
  };
}, 60_000);

afterAll(async () => {
  process.env.IDENTITY_ENDPOINT = saved.endpoint;
  process.env.IDENTITY_HEADER = saved.header;
  if (saved.endpoint === undefined) delete process.env.IDENTITY_ENDPOINT;
  if (saved.header === undefined) delete process.env.IDENTITY_HEADER;
  await arm?.close();
  await retail?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('quote with live Azure prices', () => {
  it('prices the region from the live APIs and says so on the chosen offering', async () => {
    const live = await liveOfferings({ cloud: 'azure', region: REGION, flags });
    expect(live.length).toBeGreaterThan(0);
    const reach = await azureKit.reach(flags, REGION);
    const { offerings } = runOfferings({ cloud: 'azure', region: REGION, reach, live });
    const [quote] = quoteManifests(POD, 'pod.yaml', { engine: new PlacementEngine(offerings) });
    const chosen = quote!.decision.chosen!;
    expect(chosen.offering.instanceType).toBe('Standard_D2as_v5');
    expect(chosen.offering.source).toEqual({ kind: 'live', origin: RETAIL_ORIGIN, estimated: false });
    // Without live prices, the same pod is quoted from the embedded catalog, and says so.
    const [embedded] = quoteManifests(POD, 'pod.yaml', {
      engine: new PlacementEngine(runOfferings({ cloud: 'azure', region: REGION, reach }).offerings),
    });
    expect(embedded!.decision.chosen!.offering.source.kind).toBe('embedded');
  });

  it('falls back to the embedded catalog, with a warning, when the Retail Prices API fails', async () => {
    retail.failNext(1);
    const warnings: string[] = [];
    const live = await liveOfferings({
      cloud: 'azure',
      region: REGION,
      flags,
      warn: (m) => warnings.push(m),
    });
    expect(live).toEqual([]);
    expect(warnings.join('\n')).toMatch(
      /live azure prices for eastus unavailable .*503.*using the embedded catalog/,
    );
  });
});
