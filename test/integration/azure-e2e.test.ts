import { BatchV1Api, type V1Pod } from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAzurePricingAdapter } from '../../pricing/azure/adapter.ts';
import { RETAIL_ORIGIN } from '../../pricing/azure/offerings.ts';
import type { ArmSku } from '../../providers/azure/arm-server.ts';
import { computeClient } from '../../providers/azure/clients.ts';
import { TAG_CLUSTER, TAG_POD_UID } from '../../providers/azure/names.ts';
import type { AzureProvider } from '../../providers/azure/provider.ts';
import {
  type RetailPricesServer,
  retailRowsFor,
  startRetailPricesServer,
} from '../../providers/azure/retail-prices-server.ts';
import { azureProviderSetup } from '../../providers/azure/setup.ts';
import { type AzureSimulation, startAzureSimulation } from '../../providers/azure/simulation.ts';
import { type BerthObject, LABEL_POD_UID } from '../../src/model/index.ts';
import { type Runtime, startRuntime } from '../../src/runtime/runtime.ts';
import { berthPod, core, ensureCrds, getBerth, kc, nodeExists, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, kubeConfig, waitFor } from './helpers.ts';

/**
 * The proof for Azure: the real runtime as `berth run --provider azure
 * --live-prices` starts it, pricing from the Azure adapter (a local Retail
 * Prices server, ResourceSkus from the ARM stand-in), launching NICs and VMs
 * through the real Azure SDK clients into the ARM stand-in, with the
 * registrar reading each VM's custom data as its bootstrap would and kwok
 * running the Nodes; evictions arrive through Azurite's queue.
 */

const CLUSTER = 'berth-azure-e2e';
const REGION = 'eastus';
const SCHEDULER = 'berth-azure-e2e';
const batch = kc.makeApiClient(BatchV1Api);

const SKUS: ArmSku[] = [
  { name: 'Standard_D2as_v5', vcpus: 2, memoryGB: 8, zones: ['1', '2', '3'] },
  { name: 'Standard_D2s_v5', vcpus: 2, memoryGB: 8, zones: ['1', '2', '3'] },
  { name: 'Standard_F2s_v2', vcpus: 2, memoryGB: 4, zones: ['1', '2'] },
  { name: 'Standard_D4s_v5', vcpus: 4, memoryGB: 16, zones: ['1', '2', '3'] },
  // Priced, but restricted for this subscription: never offered.
  { name: 'Standard_D2ls_v5', vcpus: 2, memoryGB: 4, zones: ['1', '2', '3'], restricted: 'region' },
];

let sim: AzureSimulation;
let retail: RetailPricesServer;
let berth: Runtime<AzureProvider>;
const registrarErrors: string[] = [];

async function startBerthOnAzure(): Promise<Runtime<AzureProvider>> {
  await ensureCrds();
  const options = {
    credential: sim.credential,
    queueCredential: sim.queueCredential,
    pollIntervalMs: 50,
    evictionPollMs: 200,
  };
  const runtime = await startRuntime({
    kubeConfig: kubeConfig(),
    provider: azureProviderSetup(sim.config, options),
    livePrices: {
      adapter: createAzurePricingAdapter({
        region: REGION,
        compute: computeClient({
          subscriptionId: sim.config.subscriptionId,
          credential: sim.credential,
          endpoint: sim.arm.endpoint,
          endpointCa: sim.arm.ca,
        }),
        retailEndpoint: retail.endpoint,
        evictionRates: { Standard_D2as_v5: '0-5' },
        onWarning: () => {},
      }),
      retryMs: 2_000,
    },
    cloud: 'azure',
    region: REGION,
    schedulerName: SCHEDULER,
    leaderElection: false,
    http: false,
    gcGraceMs: 5_000,
    gcIntervalMs: 5_000,
    log: pino({ level: process.env.BERTH_TEST_LOG ?? 'silent' }),
  });
  await waitFor(
    'live prices',
    async () => (runtime.prices?.current().source === 'live' ? true : undefined),
    60_000,
  );
  return runtime;
}

const vmsOfPod = (uid: string) => sim.arm.vms().filter((vm) => vm.tags[TAG_POD_UID] === uid);
const ours = () => sim.arm.vms().filter((vm) => vm.tags[TAG_CLUSTER] === CLUSTER);

async function waitVmGone(name: string): Promise<void> {
  await waitFor(
    `VM ${name}, its NIC and disk deleted`,
    async () => {
      const left = [
        ...sim.arm.vms().filter((v) => v.name === name),
        ...sim.arm.nics().filter((n) => n.name === `${name}-nic`),
        ...sim.arm.disks().filter((d) => d.name === `${name}-osdisk`),
      ];
      return left.length === 0 ? true : undefined;
    },
    60_000,
  );
}

function expectVmMatches(
  b: BerthObject,
  vm: ReturnType<AzureSimulation['arm']['vms']>[number] | undefined,
): void {
  const o = b.spec.offering!;
  expect(vm?.vmSize).toBe(o.instanceType);
  if (o.zone) expect(`${REGION}-${vm?.zone}`).toBe(o.zone);
  expect(vm?.priority === 'Spot').toBe(o.capacityType === 'spot');
}

async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

beforeAll(async () => {
  const cluster = kc.getCurrentCluster();
  sim = await startAzureSimulation({
    kubeConfig: kubeConfig(),
    cluster: CLUSTER,
    location: REGION,
    skus: SKUS,
    clusterEndpoint: cluster?.server ?? '',
    clusterCa: cluster?.caData ?? Buffer.from('ca').toString('base64'),
    registrarIntervalMs: 300,
    onError: (err) => registrarErrors.push(String(err)),
  });
  retail = await startRetailPricesServer({
    items: [
      ...retailRowsFor({
        size: 'Standard_D2as_v5',
        region: REGION,
        onDemand: 0.086,
        spot: 0.0172,
        series: 'Dasv5',
      }),
      ...retailRowsFor({
        size: 'Standard_D2s_v5',
        region: REGION,
        onDemand: 0.096,
        spot: 0.0192,
        series: 'Dsv5',
      }),
      ...retailRowsFor({ size: 'Standard_F2s_v2', region: REGION, onDemand: 0.0846, series: 'FSv2' }),
      ...retailRowsFor({
        size: 'Standard_D4s_v5',
        region: REGION,
        onDemand: 0.192,
        spot: 0.0384,
        series: 'Dsv5',
      }),
      ...retailRowsFor({ size: 'Standard_D2ls_v5', region: REGION, onDemand: 0.01, series: 'Dlsv5' }),
      ...retailRowsFor({ size: 'Standard_D2s_v5', region: 'westus', onDemand: 0.001, series: 'Dsv5' }),
    ],
    pageSize: 5,
  });
  berth = await startBerthOnAzure();
}, 180_000);

afterAll(async () => {
  await berth?.stop();
  await retail?.close();
  await sim?.stop();
});

describe('berth on Azure (ARM stand-in, Azurite) end to end', () => {
  it('prices live, launches a VM that joins, binds, runs, completes, and deletes the VM, NIC and disk', async () => {
    // Several pages were read: the Retail Prices server pages by 5 items.
    expect(retail.requests.length).toBeGreaterThan(3);
    const offered = berth.prices?.current().offerings ?? [];
    expect(offered.every((o) => o.cloud === 'azure' && o.source.origin === RETAIL_ORIGIN)).toBe(true);
    expect(offered.map((o) => o.instanceType)).not.toContain('Standard_D2ls_v5');

    const ns = await freshNamespace(core, 'azure-e2e');
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('build', { completeAfter: '4s', schedulerName: SCHEDULER }),
    });
    const uid = created.metadata!.uid!;
    const running = await waitPod(ns, 'build', 'Running', (p) => p.status?.phase === 'Running', 90_000);
    const b = await waitBerth(ns, 'build', 'Bound', (x) => x.status?.phase === 'Bound');
    expect(b.spec.offering?.cloud).toBe('azure');
    expect(b.spec.offering?.source).toEqual({ kind: 'live', origin: RETAIL_ORIGIN, estimated: false });

    const vms = vmsOfPod(uid);
    expect(vms).toHaveLength(1);
    const vm = vms[0]!;
    expectVmMatches(b, vm);
    expect(b.status?.instanceId).toBe(vm.name);
    expect(sim.arm.nics().map((n) => n.name)).toContain(`${vm.name}-nic`);
    expect(sim.arm.disks().map((d) => d.name)).toContain(`${vm.name}-osdisk`);
    expect(vm.tags['berth.dev_namespace']).toBe(ns);
    expect(vm.tags['berth.dev_pod']).toBe('build');

    const nodeName = running.spec?.nodeName ?? '';
    expect(nodeName).toBe(b.status?.nodeName);
    const node = await core.readNode({ name: nodeName });
    expect(node.spec?.providerID).toBe(`azure://${vm.id}`);
    expect(node.spec?.taints).toContainEqual({
      key: 'berth.dev/dedicated',
      value: uid,
      effect: 'NoSchedule',
    });
    expect(node.metadata?.labels?.[LABEL_POD_UID]).toBe(uid);
    expect(node.metadata?.labels?.['node.kubernetes.io/instance-type']).toBe(vm.vmSize);

    // The controller says where the price came from.
    expect((await eventsOf(ns, 'build')).find((e) => e.startsWith('Placed: '))).toContain(
      `(live: ${RETAIL_ORIGIN})`,
    );
    await waitPod(ns, 'build', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 60_000);
    await waitBerth(ns, 'build', 'Terminated', (x) => x.status?.phase === 'Terminated');
    await waitVmGone(vm.name);
    await waitFor('the node to go', async () => ((await nodeExists(nodeName)) ? undefined : true));
  });

  it('falls back to the next offering when Azure cannot allocate the cheapest', async () => {
    const ns = await freshNamespace(core, 'azure-alloc');
    const before = sim.arm.calls.length;
    // The PUT is accepted; the long-running operation fails, as an allocation failure does.
    sim.arm.addFault({ call: 'vm-put', code: 'AllocationFailed', status: 200, inOperation: true });
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('alloc', { completeAfter: '3s', schedulerName: SCHEDULER }),
    });
    await waitPod(ns, 'alloc', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 90_000);
    const puts = sim.arm.calls.slice(before).filter((c) => c.call === 'vm-put');
    expect(puts.map((p) => p.faulted)).toEqual([true, false]);
    const b = (await getBerth(ns, 'alloc'))!;
    expect(b.status?.attempts).toBe(1);
    expect(`${puts[1]?.vmSize}@${puts[1]?.zone}`).not.toBe(`${puts[0]?.vmSize}@${puts[0]?.zone}`);
    const [vm, ...more] = vmsOfPod(created.metadata!.uid!);
    expect(more).toHaveLength(0);
    if (vm) expectVmMatches(b, vm);
    expect((await eventsOf(ns, 'alloc')).some((e) => e.startsWith('CapacityUnavailable: '))).toBe(true);
    await waitFor(
      'the pod VMs gone',
      async () => (vmsOfPod(created.metadata!.uid!).length === 0 ? true : undefined),
      60_000,
    );
  });

  it('moves a Job pod to a new VM when Event Grid reports a spot eviction through the queue', async () => {
    const ns = await freshNamespace(core, 'azure-spot');
    const template = berthPod('x', { completeAfter: '10m', schedulerName: SCHEDULER });
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'train' },
        spec: {
          backoffLimit: 3,
          template: {
            metadata: { annotations: template.metadata?.annotations, labels: { app: 'train' } },
            spec: { ...template.spec!, affinity: spotOnly },
          },
        },
      },
    });
    const jobPods = async () =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=train' })).items.filter(
        (p) => !p.metadata?.deletionTimestamp,
      );
    const first = await waitFor(
      'the first Job pod running',
      async () => (await jobPods()).find((p) => p.status?.phase === 'Running'),
      90_000,
    );
    const firstUid = first.metadata!.uid!;
    const [vm] = vmsOfPod(firstUid);
    expect(vm?.priority).toBe('Spot');

    await sim.evict(vm!.name);

    const second: V1Pod = await waitFor(
      'a replacement Job pod running on another node',
      async () =>
        (await jobPods()).find(
          (p) =>
            p.metadata?.uid !== firstUid &&
            p.status?.phase === 'Running' &&
            p.spec?.nodeName !== first.spec?.nodeName,
        ),
      120_000,
    );
    const [replacement, ...more] = vmsOfPod(second.metadata!.uid!);
    expect(more).toHaveLength(0);
    expect(replacement?.name).not.toBe(vm?.name);
    expect((await eventsOf(ns, first.metadata!.name!)).some((e) => e.startsWith('SpotInterruption: '))).toBe(
      true,
    );
    await batch.deleteNamespacedJob({ name: 'train', namespace: ns, propagationPolicy: 'Background' });
    await waitVmGone(replacement!.name);
  });

  it('notices a VM that vanished without an event: its Node goes and the Job pod moves to a new VM', async () => {
    const ns = await freshNamespace(core, 'azure-vanish');
    const template = berthPod('x', { completeAfter: '10m', schedulerName: SCHEDULER });
    await batch.createNamespacedJob({
      namespace: ns,
      body: {
        metadata: { name: 'lost' },
        spec: {
          backoffLimit: 3,
          template: {
            metadata: { annotations: template.metadata?.annotations, labels: { app: 'lost' } },
            spec: template.spec!,
          },
        },
      },
    });
    const jobPods = async () =>
      (await core.listNamespacedPod({ namespace: ns, labelSelector: 'app=lost' })).items.filter(
        (p) => !p.metadata?.deletionTimestamp,
      );
    const first = await waitFor(
      'the first Job pod running',
      async () => (await jobPods()).find((p) => p.status?.phase === 'Running'),
      90_000,
    );
    const [vm] = vmsOfPod(first.metadata!.uid!);
    // Gone, and no message in the queue.
    sim.arm.evict(vm!.name);
    const second = await waitFor(
      'a replacement Job pod running on another node',
      async () =>
        (await jobPods()).find(
          (p) =>
            p.metadata?.uid !== first.metadata?.uid &&
            p.status?.phase === 'Running' &&
            p.spec?.nodeName !== first.spec?.nodeName,
        ),
      150_000,
    );
    expect(vmsOfPod(second.metadata!.uid!)).toHaveLength(1);
    await batch.deleteNamespacedJob({ name: 'lost', namespace: ns, propagationPolicy: 'Background' });
    await waitFor(
      'the Job VMs gone',
      async () => (vmsOfPod(second.metadata!.uid!).length === 0 ? true : undefined),
      60_000,
    );
  });

  it('a controller restarted in the middle of a launch creates one VM', async () => {
    const ns = await freshNamespace(core, 'azure-restart');
    const before = sim.arm.calls.length;
    // The VM exists at once; the PUT's answer reaches the controller only after the restart.
    sim.arm.addFault({ call: 'vm-put', code: 'Hold', status: 201, holdMs: 5_000 });
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('slow', { completeAfter: '3s', schedulerName: SCHEDULER }),
    });
    const held = await waitFor('the VM to exist', async () => vmsOfPod(created.metadata!.uid!)[0], 60_000);
    await berth.stop();
    berth = await startBerthOnAzure();
    await waitPod(ns, 'slow', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 90_000);
    if (process.env.BERTH_TEST_DEBUG) console.log(sim.arm.calls.slice(before));
    expect(sim.arm.calls.slice(before).filter((c) => c.call === 'vm-put')).toHaveLength(1);
    expect(sim.arm.calls.slice(before).filter((c) => c.call === 'nic-put')).toHaveLength(1);
    const b = (await getBerth(ns, 'slow'))!;
    expect(b.status?.attempts ?? 0).toBe(0);
    expect([held.name, `azure://${held.id}`]).toContain(b.status?.instanceId);
    await waitVmGone(held.name);
  });

  it('leaves no VM, NIC or disk tagged for the cluster, and no node behind', async () => {
    await waitFor(
      'every VM of the cluster deleted',
      async () => (ours().length === 0 ? true : undefined),
      60_000,
    );
    expect(sim.arm.nics().filter((n) => n.tags[TAG_CLUSTER] === CLUSTER)).toEqual([]);
    expect(sim.arm.disks().filter((d) => d.tags[TAG_CLUSTER] === CLUSTER)).toEqual([]);
    const left = await core.listNode({ labelSelector: 'berth.dev/provider=azure' });
    expect(left.items.map((n) => n.metadata?.name)).toEqual([]);
    expect(await berth.provider.list()).toEqual([]);
    expect(registrarErrors).toEqual([]);
  });
});

/** Spot VMs only, so the eviction scenario always has a spot VM to evict. */
const spotOnly = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [
        { matchExpressions: [{ key: 'berth.dev/capacity-type', operator: 'In', values: ['spot'] }] },
      ],
    },
  },
};
