import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildAzureCatalogFromLive } from '../../pricing/azure/catalog-build.ts';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { createAzurePricingAdapter } from '../../pricing/azure/adapter.ts';
import { type ArmServer, startArmServer } from '../../providers/azure/arm-server.ts';
import { computeClient } from '../../providers/azure/clients.ts';
import type { AzureProviderConfig } from '../../providers/azure/config.ts';
import { AzureAccessError } from '../../providers/azure/errors.ts';
import { TAG_CLUSTER } from '../../providers/azure/names.ts';
import { type AzureProvider, createAzureProvider } from '../../providers/azure/provider.ts';
import {
  type RetailPricesServer,
  retailRowsFor,
  startRetailPricesServer,
} from '../../providers/azure/retail-prices-server.ts';
import { SIMULATION_TOKEN } from '../../providers/azure/simulation.ts';
import { CapacityError, type Claim } from '../../src/model/index.ts';
import { testOffering } from '../fixtures/offering.ts';

/**
 * The Azure provider and pricing adapter through the real SDK clients
 * against the ARM stand-in: faults as ARM sends them (allocation failures in
 * the operation, quota and SKU answers on the PUT, 429 with Retry-After,
 * AuthorizationFailed), and teardown that may be repeated.
 */

let arm: ArmServer;
let provider: AzureProvider;
let retail: RetailPricesServer;

const claim = (id: string, over: Partial<Claim['offering']> = {}): Claim => ({
  id,
  nodeName: `node-${id}`,
  pod: { namespace: 'ns', name: id, uid: `uid-${id}` },
  offering: testOffering({
    cloud: 'azure',
    region: 'eastus',
    instanceType: 'Standard_D2s_v5',
    capacityType: 'on-demand',
    ...over,
  }),
  labels: { 'berth.dev/pod-uid': `uid-${id}` },
  taints: [{ key: 'berth.dev/dedicated', value: `uid-${id}`, effect: 'NoSchedule' }],
});

beforeAll(async () => {
  arm = await startArmServer({
    location: 'eastus',
    skus: [
      { name: 'Standard_D2s_v5', vcpus: 2, memoryGB: 8, zones: ['1', '2'] },
      { name: 'Standard_F2s_v2', vcpus: 2, memoryGB: 4, zones: ['1'], restricted: ['1'] },
    ],
    createMs: 50,
    deleteMs: 50,
  });
  const sub = arm.subscriptionId;
  const config: AzureProviderConfig = {
    subscriptionId: sub,
    resourceGroup: 'MC_rg',
    location: 'eastus',
    clusterName: 'provider-test',
    subnetId: `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/v/subnets/s`,
    image: 'microsoft-aks:aks:aks-ubuntu-2204gen2:latest',
    zones: ['1', '2'],
    clusterEndpoint: 'https://127.0.0.1:6443',
    clusterCertificateAuthority: 'Q0E=',
    bootstrapToken: 'abcdef.0123456789abcdef',
    sshPublicKey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAItest',
    endpoint: arm.endpoint,
    endpointCa: arm.ca,
  };
  provider = createAzureProvider(config, {
    credential: SIMULATION_TOKEN,
    pollIntervalMs: 20,
    onWarning: () => {},
  });
  retail = await startRetailPricesServer({
    items: [
      ...retailRowsFor({
        size: 'Standard_D2s_v5',
        region: 'eastus',
        onDemand: 0.096,
        spot: 0.02,
        series: 'Dsv5',
      }),
    ],
    pageSize: 2,
  });
}, 60_000);

afterAll(async () => {
  await provider?.close();
  await arm?.close();
  await retail?.close();
});

describe('Azure provider against the ARM stand-in', () => {
  it('launches once per claim: a repeated launch finds the live VM', async () => {
    const c = claim('once', { capacityType: 'spot' });
    const first = await provider.launch(c, AbortSignal.timeout(30_000));
    const again = await provider.launch(c, AbortSignal.timeout(30_000));
    expect(again.id).toBe(first.id);
    const vms = arm.vms().filter((v) => v.tags['berth.dev_claim-id'] === 'once');
    expect(vms).toHaveLength(1);
    expect(vms[0]?.priority).toBe('Spot');
    await provider.terminate(first.id);
    await provider.terminate(first.id); // gone is fine
    await provider.terminate(first.providerId);
    expect(arm.vms().filter((v) => v.tags['berth.dev_claim-id'] === 'once')).toEqual([]);
  });

  it('tries the next zone after a zonal allocation failure and cleans up the failed VM', async () => {
    arm.addFault({ call: 'vm-put', code: 'ZonalAllocationFailed', status: 200, inOperation: true });
    const i = await provider.launch(claim('zonal'), AbortSignal.timeout(30_000));
    const vms = arm.vms().filter((v) => v.tags['berth.dev_claim-id'] === 'zonal');
    expect(vms.map((v) => v.zone)).toEqual(['2']);
    expect(arm.nics().filter((n) => n.tags['berth.dev_claim-id'] === 'zonal')).toHaveLength(1);
    await provider.terminate(i.id);
  });

  it('a quota answer is a capacity error for the offering, not retried in another zone', async () => {
    arm.addFault({
      call: 'vm-put',
      code: 'OperationNotAllowed',
      status: 409,
      message:
        'Operation could not be completed as it results in exceeding approved Total Regional Cores quota.',
    });
    const before = arm.calls.filter((c) => c.call === 'vm-put').length;
    const err = await provider.launch(claim('quota'), AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).reason).toBe('quota');
    expect(arm.calls.filter((c) => c.call === 'vm-put').length - before).toBe(1);
  });

  it('a size not available in its zone is SkuNotAvailable, a capacity error', async () => {
    const err = await provider
      .launch(
        claim('sku', { instanceType: 'Standard_F2s_v2', zone: 'eastus-1' }),
        AbortSignal.timeout(30_000),
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).reason).toBe('unsupported');
  });

  it('retries 429 honouring Retry-After', async () => {
    arm.addFault({ call: 'vm-put', code: 'TooManyRequests', status: 429, retryAfter: 1 });
    const started = Date.now();
    const i = await provider.launch(claim('throttled'), AbortSignal.timeout(30_000));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const puts = arm.calls.filter((c) => c.call === 'vm-put' && c.name === i.id);
    expect(puts.map((p) => p.faulted)).toEqual([true, false]);
    await provider.terminate(i.id);
  });

  it('AuthorizationFailed names the action the role lacks', async () => {
    arm.addFault({
      call: 'nic-put',
      code: 'AuthorizationFailed',
      status: 403,
      message:
        "The client 'berth' does not have authorization to perform action 'Microsoft.Network/networkInterfaces/write' over scope '/subscriptions/x'.",
    });
    const err = await provider.launch(claim('denied'), AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AzureAccessError);
    expect((err as Error).message).toContain('Microsoft.Network/networkInterfaces/write');
  });

  it('lists only what is tagged for the cluster, and nothing once all is terminated', async () => {
    for (const i of await provider.list()) await provider.terminate(i.id);
    expect(await provider.list()).toEqual([]);
    expect(arm.vms().filter((v) => v.tags[TAG_CLUSTER] === 'provider-test')).toEqual([]);
    expect(arm.nics().filter((n) => n.tags[TAG_CLUSTER] === 'provider-test')).toEqual([]);
    expect(arm.disks().filter((d) => d.tags[TAG_CLUSTER] === 'provider-test')).toEqual([]);
  });

  it('the pricing adapter follows every Retail Prices page and keeps the last good set when the API fails', async () => {
    const adapter = createAzurePricingAdapter({
      region: 'eastus',
      compute: computeClient({
        subscriptionId: arm.subscriptionId,
        credential: SIMULATION_TOKEN,
        endpoint: arm.endpoint,
        endpointCa: arm.ca,
      }),
      retailEndpoint: retail.endpoint,
      onWarning: () => {},
    });
    const before = retail.requests.length;
    const offerings = await adapter.fetch(AbortSignal.timeout(30_000));
    expect(retail.requests.length - before).toBe(2); // 4 rows, 2 per page
    expect(
      offerings
        .filter((o) => o.capacityType === 'on-demand')
        .map((o) => o.zone)
        .sort(),
    ).toEqual(['eastus-1', 'eastus-2']);
    expect(offerings.find((o) => o.capacityType === 'spot')?.pricePerHour).toBe(0.02);
    retail.failNext(1);
    await expect(adapter.fetch(AbortSignal.timeout(30_000))).rejects.toThrow(/503/);
  });

  it('catalog build --from azure rewrites one region of azure.json, spot and bands included', async () => {
    const out = mkdtempSync(join(tmpdir(), 'berth-azure-catalog-'));
    try {
      copyFileSync(
        new URL('../../pricing/catalog/serverless.json', import.meta.url),
        join(out, 'serverless.json'),
      );
      const result = await buildAzureCatalogFromLive({
        region: 'eastus',
        compute: computeClient({
          subscriptionId: arm.subscriptionId,
          credential: SIMULATION_TOKEN,
          endpoint: arm.endpoint,
          endpointCa: arm.ca,
        }),
        retailEndpoint: retail.endpoint,
        evictionRates: { Standard_D2s_v5: '5-10' },
        outDir: out,
        signal: AbortSignal.timeout(30_000),
        onWarning: () => {},
      });
      expect(result).toMatchObject({ region: 'eastus', onDemand: 1, spot: 1 });
      const catalog = loadCatalog({
        dir: out,
        clouds: ['azure'],
        regions: ['eastus', 'westeurope'],
        onWarning: () => {},
      });
      const eastus = catalog.offerings.filter(
        (o) => o.region === 'eastus' && o.capacityType !== 'serverless',
      );
      expect(eastus.map((o) => `${o.instanceType}/${o.capacityType}`).sort()).toEqual([
        'Standard_D2s_v5/on-demand',
        'Standard_D2s_v5/spot',
      ]);
      expect(eastus.find((o) => o.capacityType === 'spot')?.interruption?.label).toBe('5-10%');
      // Other regions are kept as they were.
      expect(catalog.offerings.some((o) => o.region === 'westeurope')).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
