/**
 * The admission webhook as the API server calls it: over TLS, with the CA
 * bundle berth wrote into its MutatingWebhookConfiguration. Its own
 * installations (scheduler names) and namespaces, told apart from other test
 * files' by a namespace label every webhook here also requires.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import {
  AdmissionregistrationV1Api,
  AppsV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookConfigurationName } from '../../src/admission/webhook-configuration.ts';
import {
  ANNOTATION_DECISION,
  ANNOTATION_POLICY,
  type AdmissionDecision,
  LABEL_ENABLED,
} from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { core, kc, startBerth, uniq, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';

const SCHEDULER = 'berth-hook';
const FAILING = 'berth-hook-fail';
const TEST_LABEL = 'berth-test/file';
const apps = kc.makeApiClient(AppsV1Api);
const admissionApi = kc.makeApiClient(AdmissionregistrationV1Api);

async function namespace(labels: Record<string, string>): Promise<string> {
  const name = await freshNamespace(core, 'hook');
  await core.patchNamespace(
    { name, body: { metadata: { labels } } },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  return name;
}

function plainPod(
  name: string,
  over: { labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): V1Pod {
  return {
    metadata: {
      name,
      ...(over.labels ? { labels: over.labels } : {}),
      ...(over.annotations ? { annotations: over.annotations } : {}),
    },
    spec: {
      restartPolicy: 'Never',
      containers: [
        { name: 'main', image: 'busybox', resources: { requests: { cpu: '500m', memory: '1Gi' } } },
      ],
    },
  };
}

/** Creates a pod with a raw request, to read the API server's Warning headers (the typed client drops them). */
async function createWithWarnings(ns: string, pod: V1Pod): Promise<{ status: number; warnings: string[] }> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('no current cluster');
  const url = new URL(`${cluster.server}/api/v1/namespaces/${ns}/pods`);
  const options: RequestOptions = { method: 'POST', headers: { 'content-type': 'application/json' } };
  await kc.applyToHTTPSOptions(options);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, options, (res) => {
      res.resume();
      res.on('end', () => {
        const raw = res.headers.warning;
        const warnings = (Array.isArray(raw) ? raw : raw ? [raw] : []).map(String);
        resolve({ status: res.statusCode ?? 0, warnings });
      });
    });
    req.on('error', reject);
    req.end(JSON.stringify(pod));
  });
}

describe('admission webhook: opting in by label', () => {
  let berth: Runtime;
  let labelled: string;
  let plain: string;
  beforeAll(async () => {
    berth = await startBerth({
      schedulerName: SCHEDULER,
      // A loaded test machine can be slow to answer; Ignore would then admit the pod unchanged.
      webhook: {
        host: '127.0.0.1',
        port: 0,
        namespaceLabels: { [TEST_LABEL]: 'webhook' },
        timeoutSeconds: 20,
      },
    });
    labelled = await namespace({ [TEST_LABEL]: 'webhook', [LABEL_ENABLED]: 'true' });
    plain = await namespace({ [TEST_LABEL]: 'webhook' });
  });
  afterAll(async () => {
    await berth?.stop();
    for (const name of [webhookConfigurationName(SCHEDULER), webhookConfigurationName(FAILING)])
      await admissionApi.deleteMutatingWebhookConfiguration({ name }).catch(() => undefined);
    for (const ns of [labelled, plain])
      if (ns) await core.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('the configuration berth wrote points at its webhook with the CA that signed its certificate', async () => {
    const config = await admissionApi.readMutatingWebhookConfiguration({
      name: webhookConfigurationName(SCHEDULER),
    });
    expect(config.webhooks?.map((w) => w.failurePolicy)).toEqual(['Ignore', 'Ignore']);
    expect(config.webhooks?.[0]?.clientConfig.url).toBe(`https://${berth.webhookAddress}/mutate-pods`);
    expect(Buffer.from(config.webhooks?.[0]?.clientConfig.caBundle ?? '', 'base64').toString()).toContain(
      'BEGIN CERTIFICATE',
    );
  });

  it("a labelled namespace's plain Deployment is placed by berth with no change to its manifest", async () => {
    const name = uniq('web');
    await apps.createNamespacedDeployment({
      namespace: labelled,
      body: {
        metadata: { name },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: {
              containers: [
                { name: 'web', image: 'nginx', resources: { requests: { cpu: '250m', memory: '512Mi' } } },
              ],
            },
          },
        },
      },
    });
    const pod = await waitFor('the Deployment pod', async () => {
      const list = await core.listNamespacedPod({ namespace: labelled, labelSelector: `app=${name}` });
      return list.items[0];
    });
    expect(pod.spec?.schedulerName).toBe(SCHEDULER);
    const decision = JSON.parse(
      pod.metadata?.annotations?.[ANNOTATION_DECISION] ?? '{}',
    ) as AdmissionDecision;
    expect(decision.via).toBe(SCHEDULER);
    expect(decision.offering).not.toBe('');
    expect(decision.why.length).toBeGreaterThan(0);
    const podName = pod.metadata!.name!;
    const bound = await waitPod(labelled, podName, 'bound', (p) => Boolean(p.spec?.nodeName));
    const berthObject = await waitBerth(labelled, podName, 'Bound', (b) => b.status?.phase === 'Bound');
    expect(bound.spec?.nodeName).toBe(berthObject.status?.nodeName);
    // The controller carried out what the webhook decided (same engine, same offerings).
    expect(berthObject.spec.offering?.id).toBe(decision.offering);
  });

  it('a pod labelled "true" in an unlabelled namespace is placed too', async () => {
    const name = uniq('opted');
    await core.createNamespacedPod({
      namespace: plain,
      body: plainPod(name, { labels: { [LABEL_ENABLED]: 'true' } }),
    });
    const pod = await core.readNamespacedPod({ namespace: plain, name });
    expect(pod.spec?.schedulerName).toBe(SCHEDULER);
    expect(pod.metadata?.annotations?.[ANNOTATION_DECISION]).toBeDefined();
  });

  it('an opted-out pod and a pod of an unlabelled namespace are untouched', async () => {
    const out = uniq('out');
    await core.createNamespacedPod({
      namespace: labelled,
      body: plainPod(out, { labels: { [LABEL_ENABLED]: 'false' } }),
    });
    const other = uniq('other');
    await core.createNamespacedPod({ namespace: plain, body: plainPod(other) });
    for (const [ns, name] of [
      [labelled, out],
      [plain, other],
    ] as const) {
      const pod = await core.readNamespacedPod({ namespace: ns, name });
      expect(pod.spec?.schedulerName).toBe('default-scheduler');
      expect(pod.metadata?.annotations?.[ANNOTATION_DECISION]).toBeUndefined();
    }
  });

  it('a pod berth cannot decide for is admitted unchanged, with a warning that says why', async () => {
    const name = uniq('bad');
    const { status, warnings } = await createWithWarnings(
      labelled,
      plainPod(name, { annotations: { [ANNOTATION_POLICY]: 'no-such-policy' } }),
    );
    expect(status).toBe(201);
    expect(warnings.join('\n')).toMatch(/^299 - "berth: Pod .*no-such-policy.*not found.*admitted unchanged/);
    const pod = await core.readNamespacedPod({ namespace: labelled, name });
    expect(pod.spec?.schedulerName).toBe('default-scheduler');
    expect(pod.metadata?.annotations?.[ANNOTATION_DECISION]).toBeUndefined();
  });

  it('with berth down, Ignore lets pods be created unmodified; Fail refuses them', async () => {
    // A second installation with Fail, in namespaces of its own; then both stop serving.
    const failing = await startBerth({
      schedulerName: FAILING,
      webhook: {
        host: '127.0.0.1',
        port: 0,
        failurePolicy: 'Fail',
        namespaceLabels: { [TEST_LABEL]: 'webhook-fail' },
      },
    });
    const strict = await namespace({ [TEST_LABEL]: 'webhook-fail', [LABEL_ENABLED]: 'true' });
    try {
      const served = uniq('served');
      await core.createNamespacedPod({ namespace: strict, body: plainPod(served) });
      expect((await core.readNamespacedPod({ namespace: strict, name: served })).spec?.schedulerName).toBe(
        FAILING,
      );
      await failing.stop();
      await berth.stop();
      const name = uniq('down');
      await core.createNamespacedPod({ namespace: labelled, body: plainPod(name) });
      const pod = await core.readNamespacedPod({ namespace: labelled, name });
      expect(pod.spec?.schedulerName).toBe('default-scheduler');
      expect(pod.metadata?.annotations?.[ANNOTATION_DECISION]).toBeUndefined();
      await expect(
        core.createNamespacedPod({ namespace: strict, body: plainPod(uniq('refused')) }),
      ).rejects.toThrow(/failed calling webhook/);
    } finally {
      await failing.stop();
      await core.deleteNamespace({ name: strict }).catch(() => undefined);
    }
  });
});
