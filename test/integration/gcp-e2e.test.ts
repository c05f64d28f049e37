import {
  CertificatesV1Api,
  CustomObjectsApi,
  KubeConfig,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGcpPricingAdapter } from '../../pricing/gcp/adapter.ts';
import { LABEL_CLAIM, LABEL_CLUSTER } from '../../providers/gcp/labels.ts';
import type { GcpProvider } from '../../providers/gcp/provider.ts';
import { gcpProviderSetup } from '../../providers/gcp/setup.ts';
import { type GcpSimulation, startGcpSimulation } from '../../providers/gcp/simulation.ts';
import { BERTH_PLURAL, GROUP, LABEL_POD_UID } from '../../src/model/index.ts';
import { type Runtime, startRuntime } from '../../src/runtime/runtime.ts';
import { berthPod, core, ensureCrds, getBerth, nodeExists, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, kubeConfig, waitFor } from './helpers.ts';
import { csrRequest, nodeSubject } from '../fixtures/kubelet-csr.ts';
import { startSpotJob } from './spot-job.ts';

/**
 * The proof for GCP: the real runtime `berth run --provider gcp --live-prices`
 * starts, pricing from the GCP adapter and launching through the GCP
 * provider, both driving the real Google SDK clients against a local server
 * that answers Compute Engine's and Cloud Billing's REST shapes; a registrar
 * stands in for each VM's kubelet (reading its kube-env and kube-labels) and
 * kwok runs the Nodes.
 */

/** The API as `system:node:<node>` (impersonated, no groups): the CSR's requester is then the kubelet itself. */
function asKubelet(node: string): CertificatesV1Api {
  const admin = kubeConfig();
  const user = admin.getCurrentUser();
  const cluster = admin.getCurrentCluster();
  if (!user || !cluster) throw new Error('the test kubeconfig has no current user or cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ ...user, impersonateUser: `system:node:${node}` }],
    contexts: [{ name: 'kubelet', cluster: cluster.name, user: user.name }],
    currentContext: 'kubelet',
  });
  return kc.makeApiClient(CertificatesV1Api);
}

const approved = async (certificates: CertificatesV1Api, name: string) =>
  (await certificates.readCertificateSigningRequest({ name })).status?.conditions?.some(
    (c) => c.type === 'Approved' && c.status === 'True',
  ) ?? false;

const CLUSTER = 'berth-gcp-e2e';
const custom = kubeConfig().makeApiClient(CustomObjectsApi);
const SCHEDULER = 'berth-gcp-e2e';

let sim: GcpSimulation;
let berth: Runtime<GcpProvider>;
const registrarErrors: string[] = [];

async function startBerthOnGcp(): Promise<Runtime<GcpProvider>> {
  await ensureCrds();
  const { project, region, endpoint, apiKey } = sim.config;
  const runtime = await startRuntime({
    kubeConfig: kubeConfig(),
    provider: gcpProviderSetup(sim.config, { retry: { baseDelayMs: 20, maxDelayMs: 200 } }),
    livePrices: {
      adapter: createGcpPricingAdapter({
        project,
        region,
        ...(endpoint ? { computeEndpoint: endpoint, billingEndpoint: endpoint } : {}),
        ...(apiKey ? { apiKey } : {}),
        onWarning: () => {},
      }),
      retryMs: 2_000,
    },
    cloud: 'gcp',
    region,
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

type Vm = Record<string, unknown> & { name: string; labels?: Record<string, string>; status?: string };
const vms = () => sim.server.instances() as Vm[];
const vmsOfClaimPrefix = (uid: string) => vms().filter((v) => v.labels?.[LABEL_CLAIM]?.startsWith(uid));

async function waitVmGone(name: string): Promise<void> {
  await waitFor(
    `VM ${name} deleted`,
    async () => (vms().some((v) => v.name === name) ? undefined : true),
    60_000,
  );
}

async function eventsOf(namespace: string, name: string): Promise<string[]> {
  const list = await core.listNamespacedEvent({ namespace, fieldSelector: `involvedObject.name=${name}` });
  return list.items.map((e) => `${e.reason}: ${e.message}`);
}

beforeAll(async () => {
  sim = await startGcpSimulation({
    kubeConfig: kubeConfig(),
    cluster: CLUSTER,
    registrarIntervalMs: 300,
    onError: (err) => registrarErrors.push(String(err)),
  });
  berth = await startBerthOnGcp();
}, 180_000);

afterAll(async () => {
  await berth?.stop();
  await sim?.stop();
});

describe('berth on GCP (local Compute Engine and Cloud Billing server) end to end', () => {
  it('prices live, inserts a VM, registers it from its kube-env, binds, runs, completes, and deletes the VM', async () => {
    const ns = await freshNamespace(core, 'gcp-e2e');
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('build', { completeAfter: '4s', schedulerName: SCHEDULER }),
    });
    const uid = created.metadata!.uid!;
    const running = await waitPod(ns, 'build', 'Running', (p) => p.status?.phase === 'Running', 90_000);
    const b = await waitBerth(ns, 'build', 'Bound', (x) => x.status?.phase === 'Bound');
    expect(b.spec.offering?.cloud).toBe('gcp');
    expect(b.spec.offering?.source.kind).toBe('live');
    expect(b.spec.offering?.source.origin).toBe('gcp cloud billing catalog api');

    const [vm, ...more] = vmsOfClaimPrefix(b.metadata.uid!);
    expect(more).toHaveLength(0);
    expect(vm?.labels?.[LABEL_CLUSTER]).toBe(CLUSTER);
    expect(String(vm?.machineType)).toMatch(new RegExp(`/machineTypes/${b.spec.offering?.instanceType}$`));
    const spot = b.spec.offering?.capacityType === 'spot';
    expect((vm?.scheduling as { provisioningModel?: string } | undefined)?.provisioningModel).toBe(
      spot ? 'SPOT' : 'STANDARD',
    );

    const nodeName = running.spec?.nodeName ?? '';
    expect(nodeName).toBe(vm?.name);
    const node = await core.readNode({ name: nodeName });
    const zone = String(vm?.zone).split('/').pop();
    expect(node.spec?.providerID).toBe(`gce://${sim.config.project}/${zone}/${vm?.name}`);
    expect(node.spec?.taints).toContainEqual({
      key: 'berth.dev/dedicated',
      value: uid,
      effect: 'NoSchedule',
    });
    expect(node.metadata?.labels?.[LABEL_POD_UID]).toBe(uid);
    // The node pool's own labels came along from its template.
    expect(node.metadata?.labels?.['cloud.google.com/gke-nodepool']).toBe('default-pool');
    expect(b.status?.instanceId).toBe(`${zone}/${vm?.name}`);

    await waitPod(ns, 'build', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 60_000);
    await waitBerth(ns, 'build', 'Terminated', (x) => x.status?.phase === 'Terminated');
    await waitVmGone(vm!.name);
    await waitFor('the node to go', async () => ((await nodeExists(nodeName)) ? undefined : true));
    const [interval] = await berth.ledger.list({ namespace: ns });
    expect(interval?.instanceType).toBe(b.spec.offering?.instanceType);
    expect(interval?.reason).toBe('PodSucceeded');
  });

  it('falls back to the next offering when every zone is out of the cheapest machine type', async () => {
    const ns = await freshNamespace(core, 'gcp-stockout');
    const before = sim.server.inserts.length;
    // A regional offering tries each of the three zones: all three are out of it.
    sim.server.inject({ kind: 'stockout', times: 3 });
    await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('ice', { completeAfter: '3s', schedulerName: SCHEDULER }),
    });
    await waitPod(ns, 'ice', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 90_000);
    const inserts = sim.server.inserts.slice(before);
    expect(inserts.slice(0, 3).map((i) => i.refused)).toEqual(Array(3).fill('ZONE_RESOURCE_POOL_EXHAUSTED'));
    expect(new Set(inserts.slice(0, 3).map((i) => i.zone)).size).toBe(3);
    const bought = inserts.filter((i) => !i.refused);
    expect(bought).toHaveLength(1);
    const b = (await getBerth(ns, 'ice'))!;
    expect(b.status?.attempts).toBe(1);
    // The type no zone had is not the one bought.
    expect(bought[0]?.machineType).not.toBe(inserts[0]?.machineType);
    expect((await eventsOf(ns, 'ice')).some((e) => e.startsWith('CapacityUnavailable: '))).toBe(true);
    await waitVmGone(bought[0]!.name);
  });

  it('moves a Job pod to a new VM when Compute Engine preempts its spot VM', async () => {
    const ns = await freshNamespace(core, 'gcp-spot');
    const job = await startSpotJob(ns, SCHEDULER);
    const first = job.first;
    const vm = vms().find((v) => v.name === first.spec?.nodeName);
    expect((vm?.scheduling as { provisioningModel?: string } | undefined)?.provisioningModel).toBe('SPOT');
    sim.server.preempt(String(vm?.zone).split('/').pop() ?? '', vm!.name);

    const second = await job.replacement();
    const replacement = vms().find((v) => v.name === second.spec?.nodeName);
    expect(replacement?.name).not.toBe(vm?.name);
    await waitVmGone(vm!.name);
    expect((await eventsOf(ns, first.metadata!.name!)).some((e) => e.startsWith('SpotInterruption: '))).toBe(
      true,
    );
    await job.delete();
    await waitVmGone(replacement!.name);
  });

  it('a controller restarted in the middle of a launch does not buy a second VM', async () => {
    const ns = await freshNamespace(core, 'gcp-restart');
    const before = sim.server.inserts.length;
    // The insert's operation runs long: the controller is stopped while it waits on it.
    sim.server.inject({ kind: 'slow', holdMs: 6_000 });
    const created = await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('slow', { completeAfter: '3s', schedulerName: SCHEDULER }),
    });
    await waitFor('the insert to reach Compute Engine', async () =>
      sim.server.inserts.length > before ? true : undefined,
    );
    await berth.stop();
    berth = await startBerthOnGcp();
    await waitPod(ns, 'slow', 'Succeeded', (p) => p.status?.phase === 'Succeeded', 90_000);
    expect(sim.server.inserts.slice(before)).toHaveLength(1);
    const b = (await getBerth(ns, 'slow'))!;
    expect(b.status?.attempts ?? 0).toBe(0);
    expect(b.spec.pod.uid).toBe(created.metadata!.uid);
    await waitVmGone(sim.server.inserts[before]!.name);
  });

  it('a VM its batch launched for a claim gone while berth was down is collected by garbage collection, and billed to no one', async () => {
    const ns = await freshNamespace(core, 'gcp-orphan');
    const before = sim.server.bulkInserts.length;
    // The bulkInsert's operation runs long: berth stops before it writes the VM's claim.
    sim.server.inject({ kind: 'slow', holdMs: 4_000 });
    await core.createNamespacedPod({
      namespace: ns,
      body: berthPod('gone', { completeAfter: '3s', schedulerName: SCHEDULER }),
    });
    await waitFor('the bulkInsert to reach Compute Engine', async () =>
      sim.server.bulkInserts.length > before ? true : undefined,
    );
    await berth.stop();
    const name = sim.server.bulkInserts[before]?.names[0] ?? '';
    const orphan = vms().find((v) => v.name === name);
    expect(orphan?.labels?.[LABEL_CLAIM]).toBeUndefined();
    // Running, but its boot still waits for its claim: no kubelet registers it (the registrar polls every 300 ms).
    await waitFor('the VM running', async () =>
      vms().find((v) => v.name === name)?.status === 'RUNNING' ? true : undefined,
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(await nodeExists(name)).toBe(false);
    // The pod and its Berth are gone before berth is back (the finalizer lifted by hand, as an operator might):
    // nothing is left that claims the VM but its name.
    await core.deleteNamespacedPod({ namespace: ns, name: 'gone', gracePeriodSeconds: 0 });
    const ref = { group: GROUP, version: 'v1alpha1', plural: BERTH_PLURAL, namespace: ns, name: 'gone' };
    await custom.deleteNamespacedCustomObject(ref).catch(() => {});
    const left = await getBerth(ns, 'gone');
    if (left)
      await custom.replaceNamespacedCustomObject({
        ...ref,
        body: { ...left, metadata: { ...left.metadata, finalizers: [] } },
      });
    await waitFor('the Berth gone', async () => ((await getBerth(ns, 'gone')) ? undefined : true));
    berth = await startBerthOnGcp();
    await waitVmGone(name);
    expect(sim.server.bulkInserts.length).toBe(before + 1);
    expect(await berth.ledger.list({ namespace: ns })).toEqual([]);
  });

  it('approves the kubelet CSRs of a VM it launched, and leaves a node it did not launch alone', async () => {
    const ns = await freshNamespace(core, 'gcp-csr');
    await core.createNamespacedPod({ namespace: ns, body: berthPod('csr', { schedulerName: SCHEDULER }) });
    const running = await waitPod(ns, 'csr', 'Running', (p) => p.status?.phase === 'Running', 90_000);
    const ours = running.spec?.nodeName ?? '';
    expect(vms().map((v) => v.name)).toContain(ours);
    const stranger = `gke-${CLUSTER}-other-pool-${ns.slice(-5)}`;
    const rbac = kubeConfig().makeApiClient(RbacAuthorizationV1Api);
    const admin = kubeConfig().makeApiClient(CertificatesV1Api);
    // The kubelets may ask for certificates, nothing more: kube-controller-manager's own approver
    // (which needs the nodeclient permissions) leaves their requests alone, so an approval is berth's.
    const role = `${ns}-kubelet-csr`;
    await rbac.createClusterRole({
      body: {
        metadata: { name: role },
        rules: [
          {
            apiGroups: ['certificates.k8s.io'],
            resources: ['certificatesigningrequests'],
            verbs: ['create', 'get'],
          },
        ],
      },
    });
    await rbac.createClusterRoleBinding({
      body: {
        metadata: { name: role },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
        subjects: [ours, stranger].map((n) => ({
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'User',
          name: `system:node:${n}`,
        })),
      },
    });
    const names: string[] = [];
    try {
      const ask = async (node: string, signer: 'client' | 'serving') => {
        const name = `${ns}-${node === ours ? 'ours' : 'stranger'}-${signer}`;
        names.push(name);
        await asKubelet(node).createCertificateSigningRequest({
          body: {
            metadata: { name },
            spec: {
              request: await csrRequest(nodeSubject(node)),
              signerName:
                signer === 'client'
                  ? 'kubernetes.io/kube-apiserver-client-kubelet'
                  : 'kubernetes.io/kubelet-serving',
              usages: ['digital signature', signer === 'client' ? 'client auth' : 'server auth'],
            },
          },
        });
        return name;
      };
      // The stranger asks first: by the time ours are approved, berth has seen its requests too.
      const theirs = [await ask(stranger, 'client'), await ask(stranger, 'serving')];
      const mine = [await ask(ours, 'client'), await ask(ours, 'serving')];
      for (const name of mine)
        await waitFor(
          `${name} approved`,
          async () => ((await approved(admin, name)) ? true : undefined),
          60_000,
        );
      const condition = (await admin.readCertificateSigningRequest({ name: mine[0]! })).status
        ?.conditions?.[0];
      expect(condition?.reason).toBe('BerthLaunchedNode');
      await new Promise((r) => setTimeout(r, 2_000));
      for (const name of theirs) expect(await approved(admin, name), name).toBe(false);
    } finally {
      for (const name of names) await admin.deleteCertificateSigningRequest({ name }).catch(() => {});
      await rbac.deleteClusterRoleBinding({ name: role }).catch(() => {});
      await rbac.deleteClusterRole({ name: role }).catch(() => {});
      await core.deleteNamespacedPod({ namespace: ns, name: 'csr' });
    }
    await waitFor(
      'the VM to be deleted',
      async () => (vms().some((v) => v.name === ours) ? undefined : true),
      90_000,
    );
  });

  it('leaves nothing labelled for the cluster in Compute Engine, and no node behind', async () => {
    await waitFor(
      'every VM of the cluster deleted',
      async () => (vms().some((v) => v.labels?.[LABEL_CLUSTER] === CLUSTER) ? undefined : true),
      60_000,
    );
    const ours = await core.listNode({ labelSelector: 'berth.dev/provider=gcp' });
    expect(ours.items.map((n) => n.metadata?.name)).toEqual([]);
    expect(await berth.provider.list()).toEqual([]);
    expect(registrarErrors).toEqual([]);
  });
});
