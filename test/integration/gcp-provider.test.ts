import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { createGcpPricingAdapter } from '../../pricing/gcp/adapter.ts';
import type { ComputeServer } from '../../providers/gcp/compute-server.ts';
import type { GcpProviderConfig } from '../../providers/gcp/config.ts';
import { createGcpProvider, type GcpProvider } from '../../providers/gcp/provider.ts';
import { SIM_MACHINE_TYPES } from '../../providers/gcp/simulation.ts';
import { liveOfferings, quoteManifests, runOfferings } from '../../src/cli/quote.ts';
import { localReach } from '../../providers/local/provider.ts';
import { PlacementEngine } from '../../src/placement/engine.ts';
import { CapacityError, type Claim, CloudAccessError, type Offering } from '../../src/model/index.ts';
import { startLocalGcp } from './gcp-local.ts';

/** The GCP provider and price adapter on their own, through the real Google SDK clients, against the local server. */
const REGION = 'us-central1';
const ZONES = [`${REGION}-a`, `${REGION}-b`];
const PROJECT = 'berth-provider-test';

let server: ComputeServer;
let provider: GcpProvider;
let offerings: Offering[];
const adapterWarnings: string[] = [];

const claim = (
  n: number,
  type = 'e2-standard-2',
  capacityType: 'on-demand' | 'spot' = 'on-demand',
): Claim => {
  const offering = offerings.find((o) => o.instanceType === type && o.capacityType === capacityType);
  if (!offering) throw new Error(`no offering ${type} ${capacityType}`);
  return {
    id: `00000000-0000-4000-8000-00000000000${n}-0`,
    nodeName: `berth-test${n}-0`,
    pod: { namespace: 'ns', name: `pod-${n}`, uid: `uid-${n}` },
    offering,
    labels: { 'berth.dev/pod-uid': `uid-${n}` },
    taints: [{ key: 'berth.dev/dedicated', value: `uid-${n}`, effect: 'NoSchedule' }],
    node: { rootVolumeGiB: 40, maxPods: 12 },
  };
};

/** The provider's config for the local server: one cluster, two zones. */
let providerConfig: () => GcpProviderConfig;

beforeAll(async () => {
  const local = await startLocalGcp({
    project: PROJECT,
    cluster: 'unit',
    region: REGION,
    pageSize: 4,
    onWarning: (m) => adapterWarnings.push(m),
  });
  ({ server, offerings } = local);
  providerConfig = () => local.config;
  provider = createGcpProvider(providerConfig(), {
    installation: 'gcp-provider-test',
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
    onWarning: () => {},
  });
}, 60_000);

afterAll(async () => {
  await provider?.close();
  await server?.close();
});

describe('the GCP pricing adapter', () => {
  it('reads every page of SKUs and machine types into offerings, live and labelled so', () => {
    // pageSize 4: every SKU and every zone's machine types came in many pages.
    const types = new Set(offerings.map((o) => o.instanceType));
    expect(types).toEqual(new Set(SIM_MACHINE_TYPES.map((t) => t.name)));
    expect(offerings.every((o) => o.source.kind === 'live')).toBe(true);
    const gpu = offerings.find((o) => o.instanceType === 'g2-standard-8' && o.capacityType === 'on-demand');
    expect(gpu?.gpu).toMatchObject({ count: 1, model: 'l4' });
    expect(offerings.find((o) => o.instanceType === 't2a-standard-2')?.arch).toBe('arm64');
    // Reported, never guessed: the SKU that matched nothing, and how far live prices are from the embedded ones.
    const said = adapterWarnings.join('\n');
    expect(said).toMatch(/1 machine SKUs matched no family or GPU model .*Custom Instance Core/);
    // The simulated spot rates are 30% of on-demand, well under the embedded spot prices.
    expect(said).toMatch(
      /gcp us-central1: \d+ of \d+ prices also in the embedded catalog differ from it by more than 1%/,
    );
  });

  it('names what to fix when Google refuses the call', async () => {
    const adapter = createGcpPricingAdapter({
      project: PROJECT,
      region: REGION,
      computeEndpoint: server.endpoint,
      billingEndpoint: server.endpoint,
      apiKey: 'test',
      onWarning: () => {},
    });
    server.inject({ kind: 'permission', permission: 'compute.machineTypes.list' });
    // The SKUs come first; the fault meets the first call, the SKU list.
    const err = await adapter.fetch(AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudAccessError);
  });

  it('berth quote --cloud gcp --live-prices: the chosen price says it is live; a failure falls back with a warning', async () => {
    const flags = {
      gcpProject: PROJECT,
      gcpEndpoint: server.endpoint,
      gcpBillingEndpoint: server.endpoint,
      gcpApiKey: 'k',
    };
    const live = await liveOfferings({ cloud: 'gcp', region: REGION, flags, warn: () => {} });
    const { offerings: ranked } = runOfferings({
      cloud: 'gcp',
      region: REGION,
      reach: localReach('gcp', REGION),
      live,
    });
    const pod =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n    - name: c\n      image: nginx\n      resources: {requests: {cpu: "1", memory: 2Gi}}\n';
    const [quote] = quoteManifests(pod, 'pod.yaml', { engine: new PlacementEngine(ranked) });
    expect(quote?.decision.chosen?.offering.source.kind).toBe('live');
    server.inject({ kind: 'permission', permission: 'compute.machineTypes.list' });
    const warnings: string[] = [];
    expect(
      await liveOfferings({ cloud: 'gcp', region: REGION, flags, warn: (m) => warnings.push(m) }),
    ).toEqual([]);
    expect(warnings.join('\n')).toMatch(/using the embedded catalog/);
  });
  it('berth catalog build --from gcp rewrites one region of gcp.json from the live adapter, other regions kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-gcp-catalog-'));
    const embedded = new URL('../../pricing/catalog/', import.meta.url);
    try {
      for (const f of ['gcp.json', 'serverless.json']) copyFileSync(new URL(f, embedded), join(dir, f));
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [
          new URL('../../bin/berth.js', import.meta.url).pathname,
          ...['catalog', 'build', '--from', 'gcp', '--region', REGION, '--gcp-project', PROJECT],
          ...['--gcp-endpoint', server.endpoint, '--gcp-billing-endpoint', server.endpoint],
          ...['--gcp-api-key', 'test', '--gcp-spot-band', '1', '--catalog-dir', dir, '-o', 'json'],
        ],
        { timeout: 120_000 },
      );
      const result = JSON.parse(stdout) as { file: string; region: string; onDemand: number; spot: number };
      expect(result).toMatchObject({ file: join(dir, 'gcp.json'), region: REGION });
      const types = new Set(SIM_MACHINE_TYPES.map((t) => t.name));
      expect(result.onDemand).toBe(types.size);
      expect(result.spot).toBe(types.size);
      const rebuilt = loadCatalog({ dir, clouds: ['gcp'], onWarning: () => {} }).offerings;
      const region = rebuilt.filter((o) => o.region === REGION && o.capacityType !== 'serverless');
      expect(new Set(region.map((o) => o.instanceType))).toEqual(types);
      // The file holds what the live adapter prices, to the micro-dollar.
      for (const live of offerings) {
        const row = region.find(
          (o) => o.instanceType === live.instanceType && o.capacityType === live.capacityType,
        );
        expect(row?.pricePerHour, `${live.instanceType} ${live.capacityType}`).toBe(live.pricePerHour);
        expect(row?.cpu).toBe(live.cpu);
      }
      expect(region.find((o) => o.capacityType === 'spot')?.interruption?.label).toBe('5-10%');
      // Other regions are kept as they were.
      const before = loadCatalog({ clouds: ['gcp'], regions: ['europe-west1'], onWarning: () => {} });
      const after = rebuilt.filter((o) => o.region === 'europe-west1');
      expect(after.length).toBe(before.offerings.filter((o) => o.capacityType !== 'serverless').length);
      expect(after.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the GCP provider', () => {
  it('inserts one VM per claim, retrying rate limits; a repeat returns the same VM', async () => {
    const before = server.created;
    server.inject({ kind: 'rate-limit', times: 2 });
    const c = claim(1, 'e2-standard-2', 'spot');
    const [a, b] = await Promise.all([
      provider.launch(c, AbortSignal.timeout(30_000)),
      provider.launch(c, AbortSignal.timeout(30_000)),
    ]);
    const again = await provider.launch(c, AbortSignal.timeout(30_000));
    expect(server.created - before).toBe(1);
    expect(b).toEqual(a);
    expect(again.id).toBe(a.id);
    const vm = server.instances().find((v) => v.name === c.nodeName) as Record<string, unknown>;
    expect(vm.scheduling).toMatchObject({ provisioningModel: 'SPOT', instanceTerminationAction: 'DELETE' });
    expect(vm.labels).toMatchObject({
      'berth-cluster': 'unit',
      'berth-claim': c.id,
      'berth-pod': 'pod-1',
      'berth-namespace': 'ns',
    });
    const disks = vm.disks as { initializeParams: { diskSizeGb: string; diskType: string } }[];
    expect(disks[0]?.initializeParams.diskSizeGb).toBe('40');
    expect(disks[0]?.initializeParams.diskType).toBe(`zones/${a.id.split('/')[0]}/diskTypes/pd-balanced`);
  });

  it('a quota error is a capacity error at once; a stockout tries the next zone', async () => {
    server.inject({ kind: 'quota' });
    const quota = await provider.launch(claim(2), AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(CapacityError);
    expect((quota as CapacityError).reason).toBe('quota');
    server.inject({ kind: 'stockout', zone: ZONES[0] });
    const i = await provider.launch(claim(3), AbortSignal.timeout(30_000));
    expect(i.id.startsWith(`${ZONES[1]}/`)).toBe(true);
    server.inject({ kind: 'stockout', times: 2 });
    const out = await provider.launch(claim(4), AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect((out as CapacityError).reason).toBe('insufficient-capacity');
  });

  it('a refused insert names the missing permission', async () => {
    server.inject({ kind: 'permission', permission: 'compute.instances.create' });
    const err = await provider.launch(claim(5), AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CloudAccessError);
    expect((err as CloudAccessError).permission).toBe('compute.instances.create');
    expect((err as Error).message).toMatch(/berth-controller-role\.yaml/);
  });

  it('lists only its own VMs and deletes idempotently', async () => {
    const listed = await provider.list();
    expect(listed.map((i) => i.nodeName).sort()).toEqual(['berth-test1-0', 'berth-test3-0']);
    const other = createGcpProvider(providerConfig(), { installation: 'someone-else', onWarning: () => {} });
    expect(await other.list()).toEqual([]);
    await other.close();
    for (const i of listed) {
      await provider.terminate(i.id);
      await provider.terminate(i.providerId);
    }
    await provider.terminate(`${ZONES[0]}/never-existed`);
    await new Promise((r) => setTimeout(r, 300));
    expect(await provider.list()).toEqual([]);
  });
});
