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
  FARGATE_STAND_IN,
  type StandIn,
  startPlatformStandIn,
} from '../../src/local-cluster/platform-stand-ins.ts';
import {
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

describe('serverless chosen by the webhook', () => {
  let on: Runtime;
  let off: Runtime;
  let standIn: StandIn;
  const namespaces: string[] = [];
  beforeAll(async () => {
    const webhook = (installation: string) => ({
      host: '127.0.0.1',
      port: 0,
      namespaceLabels: { [TEST_LABEL]: installation },
    });
    on = await startBerth({ schedulerName: ON, webhook: webhook(ON) });
    off = await startBerth({ schedulerName: OFF, webhook: webhook(OFF), serverless: [] });
    standIn = startPlatformStandIn(kc, FARGATE_STAND_IN);
  });
  afterAll(async () => {
    await standIn?.stop();
    await on?.stop();
    await off?.stop();
    for (const name of [webhookConfigurationName(ON), webhookConfigurationName(OFF)])
      await admissionApi.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
    for (const ns of namespaces) await core.deleteNamespace({ name: ns }).catch(() => undefined);
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
    const berth = await waitBerth(ns, name, 'Bound', (b) => b.status?.phase === 'Bound');
    expect(berth.status?.nodeName).toBe(bound.spec?.nodeName);
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

    const done = await waitBerth(ns, name, 'Terminated', (b) => b.status?.phase === 'Terminated');
    const interval = await waitFor('the cost interval', async () =>
      (await on.ledger.list()).find((i) => i.pod.uid === berth.spec.pod.uid),
    );
    expect(interval.capacityType).toBe('serverless');
    expect(interval.pricePerHour).toBe(berth.spec.offering?.pricePerHour);
    expect(interval.start).toBe(done.status?.timestamps?.Bound);
    expect(Date.parse(interval.end)).toBeGreaterThanOrEqual(Date.parse(interval.start));
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
});
