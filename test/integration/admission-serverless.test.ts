/**
 * Serverless chosen at creation: the webhook routes a pod whose cheapest
 * offering is AWS Fargate to the Fargate scheduler (here the sandbox's
 * stand-in, which gives each such pod a node of its own as EKS does), and
 * berth keeps its Berth, its Event and its cost. With Fargate not configured
 * for the installation, the same pod gets a machine.
 */
import {
  AdmissionregistrationV1Api,
  CustomObjectsApi,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookConfigurationName } from '../../src/admission/webhook-configuration.ts';
import {
  AUTOPILOT_STAND_IN,
  ensureAciVirtualNode,
  FARGATE_STAND_IN,
  type StandIn,
  startPlatformStandIn,
} from '../../src/local-cluster/platform-stand-ins.ts';
import {
  ACI_VIRTUAL_NODE,
  ANNOTATION_COMPLETE_AFTER,
  ANNOTATION_DECISION,
  type AdmissionDecision,
  GROUP,
  LABEL_ENABLED,
  LABEL_PLATFORM,
} from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { core, kc, startBerth, uniq, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

const TEST_LABEL = 'berth-test/file';
const ON = 'berth-fargate';
const OFF = 'berth-fargate-off';
const GKE = 'berth-autopilot';
const AKS = 'berth-aci';
const custom = kc.makeApiClient(CustomObjectsApi);
const admissionApi = kc.makeApiClient(AdmissionregistrationV1Api);

/** On-demand or serverless, no burstable machines: for this pod Fargate is the cheapest (see `berth quote`). */
const POLICY = { capacityTypes: ['on-demand', 'serverless'], burstable: false };

async function optedInNamespace(installation: string): Promise<string> {
  const name = await freshNamespace(core, 'serverless');
  await core.patchNamespace(
    { name, body: { metadata: { labels: { [TEST_LABEL]: installation, [LABEL_ENABLED]: 'true' } } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await custom.createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    plural: 'placementpolicies',
    namespace: name,
    body: {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'PlacementPolicy',
      metadata: { name: 'default' },
      spec: POLICY,
    },
  });
  return name;
}

function pod(name: string, completeAfter?: string): V1Pod {
  return {
    metadata: {
      name,
      ...(completeAfter ? { annotations: { [ANNOTATION_COMPLETE_AFTER]: completeAfter } } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'job', image: 'busybox', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
      ],
    },
  };
}

function decisionOf(p: V1Pod): AdmissionDecision {
  return JSON.parse(p.metadata?.annotations?.[ANNOTATION_DECISION] ?? '{}') as AdmissionDecision;
}

/** Until the webhook has the namespace's policy in its cache, a dry run shows what it would decide. */
async function webhookDecides(namespace: string, offeringPart: string): Promise<void> {
  await waitFor(`the webhook to decide ${offeringPart} in ${namespace}`, async () => {
    const p = await core.createNamespacedPod({ namespace, body: pod(uniq('probe')), dryRun: 'All' });
    return decisionOf(p).offering.includes(offeringPart) ? true : undefined;
  });
}

/**
 * What berth recorded of a pod a serverless platform ran: its Berth (where,
 * what, at what price) and, once it ended, its cost interval at that price.
 */
async function runRecorded(runtime: Runtime, ns: string, name: string, cloud: string) {
  const berth = await waitBerth(ns, name, 'where it runs', (b) => b.status?.nodeName !== undefined);
  expect(berth.spec.offering).toMatchObject({ cloud, capacityType: 'serverless' });
  await waitBerth(ns, name, 'Terminated', (b) => b.status?.phase === 'Terminated');
  const interval = await waitFor('the cost interval', async () =>
    (await runtime.ledger.list()).find((i) => i.pod.uid === berth.spec.pod.uid),
  );
  expect(interval).toMatchObject({
    cloud,
    capacityType: 'serverless',
    pricePerHour: berth.spec.offering?.pricePerHour,
  });
  return { berth, interval };
}

describe('serverless chosen by the webhook', () => {
  let on: Runtime;
  let off: Runtime;
  let gke: Runtime;
  let aks: Runtime;
  let standIn: StandIn;
  let autopilot: StandIn;
  const namespaces: string[] = [];
  beforeAll(async () => {
    const webhook = (installation: string) => ({
      host: '127.0.0.1',
      port: 0,
      namespaceLabels: { [TEST_LABEL]: installation },
      // A loaded test machine can be slow to answer; Ignore would then admit the pod unchanged.
      timeoutSeconds: 20,
    });
    on = await startBerth({ schedulerName: ON, webhook: webhook(ON) });
    off = await startBerth({ schedulerName: OFF, webhook: webhook(OFF), serverless: [] });
    gke = await startBerth({
      schedulerName: GKE,
      webhook: webhook(GKE),
      cloud: 'gcp',
      region: 'us-central1',
    });
    aks = await startBerth({ schedulerName: AKS, webhook: webhook(AKS), cloud: 'azure', region: 'eastus' });
    await ensureAciVirtualNode(kc);
    standIn = startPlatformStandIn(kc, FARGATE_STAND_IN);
    autopilot = startPlatformStandIn(kc, AUTOPILOT_STAND_IN);
  });
  afterAll(async () => {
    await standIn?.stop();
    await autopilot?.stop();
    await on?.stop();
    await off?.stop();
    await gke?.stop();
    for (const name of [
      webhookConfigurationName(ON),
      webhookConfigurationName(OFF),
      webhookConfigurationName(GKE),
    ])
      await admissionApi.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
    for (const ns of namespaces) await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await core.deleteNode({ name: ACI_VIRTUAL_NODE }).catch(() => undefined);
  });

  it('a pod whose cheapest offering is Fargate runs there, with its Event, Berth and cost', async () => {
    const ns = await optedInNamespace(ON);
    namespaces.push(ns);
    await webhookDecides(ns, 'fargate');
    const name = uniq('job');
    const created = await core.createNamespacedPod({ namespace: ns, body: pod(name, '3s') });
    expect(created.spec?.schedulerName).toBe('fargate-scheduler');
    expect(created.metadata?.labels?.[LABEL_PLATFORM]).toBe('fargate');
    const decision = decisionOf(created);
    expect(decision).toMatchObject({ capacityType: 'serverless', via: 'fargate-scheduler' });
    // Fargate's rounding: 250m and 512Mi plus its 256Mi become 0.25 vCPU and 1 GiB.
    expect(decision.shape).toBe('250m/1024Mi');

    const bound = await waitPod(ns, name, 'running on a Fargate node', (p) =>
      Boolean(p.spec?.nodeName?.startsWith('fargate-')),
    );
    // Bound, or already Terminated when the pod was quicker than this poll; where it ran is recorded either way.
    const berth = await waitBerth(ns, name, 'where it runs', (b) => b.status?.nodeName !== undefined);
    expect(berth.status?.nodeName).toBe(bound.spec?.nodeName);
    expect(berth.status?.timestamps?.Bound).toBeDefined();
    expect(berth.spec.offering?.id).toBe(decision.offering);
    expect(berth.spec.offering?.capacityType).toBe('serverless');
    const events = await waitFor('the Placed event', async () => {
      const list = await core.listNamespacedEvent({
        namespace: ns,
        fieldSelector: `involvedObject.name=${name}`,
      });
      return list.items.find((e) => e.reason === 'Placed');
    });
    expect(events.message).toContain('(fargate-scheduler)');

    await waitBerth(ns, name, 'Terminated', (b) => b.status?.phase === 'Terminated');
    const started = (await core.readNamespacedPod({ namespace: ns, name })).status?.startTime;
    const interval = await waitFor('the cost interval', async () =>
      (await on.ledger.list()).find((i) => i.pod.uid === berth.spec.pod.uid),
    );
    expect(interval.capacityType).toBe('serverless');
    expect(interval.pricePerHour).toBe(berth.spec.offering?.pricePerHour);
    // From the pod's start on the platform (berth launched nothing) to its end.
    expect(interval.start).toBe(new Date(started ?? 0).toISOString());
    expect(Date.parse(interval.end ?? '')).toBeGreaterThanOrEqual(Date.parse(interval.start));
  });

  it('with Fargate not configured, the same pod gets a machine', async () => {
    const ns = await optedInNamespace(OFF);
    namespaces.push(ns);
    await webhookDecides(ns, 'on-demand');
    const name = uniq('job');
    const created = await core.createNamespacedPod({ namespace: ns, body: pod(name) });
    expect(created.spec?.schedulerName).toBe(OFF);
    expect(decisionOf(created).capacityType).toBe('on-demand');
    const berth = await waitBerth(ns, name, 'Bound', (b) => b.status?.phase === 'Bound');
    expect(berth.spec.offering?.capacityType).toBe('on-demand');
  });

  it('on GKE, a pod whose cheapest offering is Autopilot selects its compute class and runs on an Autopilot node', async () => {
    const ns = await optedInNamespace(GKE);
    namespaces.push(ns);
    await webhookDecides(ns, 'autopilot');
    const name = uniq('job');
    const created = await core.createNamespacedPod({ namespace: ns, body: pod(name, '3s') });
    // Left to the default scheduler, with the node selector GKE provisions Autopilot nodes for.
    expect(created.spec?.schedulerName).toBe('default-scheduler');
    expect(created.spec?.nodeSelector).toEqual({ 'cloud.google.com/compute-class': 'autopilot' });
    expect(decisionOf(created)).toMatchObject({ capacityType: 'serverless', shape: '250m/512Mi' });
    const bound = await waitPod(ns, name, 'on an Autopilot node', (p) =>
      Boolean(p.spec?.nodeName?.startsWith('autopilot-')),
    );
    const { berth } = await runRecorded(gke, ns, name, 'gcp');
    expect(berth.status?.nodeName).toBe(bound.spec?.nodeName);
  });

  it('on AKS, a pod whose cheapest offering is ACI stays berth`s and is bound to the virtual node, tolerating it', async () => {
    const ns = await optedInNamespace(AKS);
    namespaces.push(ns);
    await webhookDecides(ns, 'aci');
    const name = uniq('job');
    const created = await core.createNamespacedPod({ namespace: ns, body: pod(name, '3s') });
    expect(created.spec?.schedulerName).toBe(AKS);
    expect(decisionOf(created)).toMatchObject({ capacityType: 'serverless', via: AKS });
    const bound = await waitPod(
      ns,
      name,
      'on the virtual node',
      (p) => p.spec?.nodeName === ACI_VIRTUAL_NODE,
    );
    expect(bound.spec?.tolerations).toContainEqual(
      expect.objectContaining({
        key: 'virtual-kubelet.io/provider',
        operator: 'Exists',
        effect: 'NoSchedule',
      }),
    );
    const { berth } = await runRecorded(aks, ns, name, 'azure');
    expect(berth.status?.nodeName).toBe(ACI_VIRTUAL_NODE);
    // The virtual node is the platform's: berth never deletes it.
    expect((await core.readNode({ name: ACI_VIRTUAL_NODE })).metadata?.name).toBe(ACI_VIRTUAL_NODE);
  });
});
