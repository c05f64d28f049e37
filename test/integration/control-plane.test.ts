import { randomUUID } from 'node:crypto';
import { BatchV1Api, CoreV1Api, type V1Node } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION_COMPLETE_AFTER, ANNOTATION_KWOK_NODE } from '../../src/model/index.ts';
import { freshNamespace, kubeConfig, waitFor } from './helpers.ts';

const kc = kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const batch = kc.makeApiClient(BatchV1Api);

function kwokNode(name: string, labels: Record<string, string> = {}): V1Node {
  return {
    metadata: {
      name,
      annotations: { [ANNOTATION_KWOK_NODE]: 'fake' },
      labels: { 'kubernetes.io/arch': 'amd64', ...labels },
    },
    status: {
      capacity: { cpu: '2', memory: '4Gi', pods: '110' },
      allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
    },
  };
}

async function nodeReady(name: string): Promise<true | undefined> {
  const node = await core.readNode({ name });
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
}

describe('local control plane', () => {
  let namespace: string;
  beforeAll(async () => {
    namespace = await freshNamespace(core, 'smoke');
  });

  it('kwok turns a node with its annotation Ready, and leaves other nodes alone', async () => {
    const name = `smoke-${randomUUID().slice(0, 6)}`;
    await core.createNode({ body: kwokNode(name) });
    await waitFor(`node ${name} Ready`, () => nodeReady(name));

    const unmanaged = `plain-${randomUUID().slice(0, 6)}`;
    await core.createNode({ body: { metadata: { name: unmanaged } } });
    await new Promise((r) => setTimeout(r, 2000));
    expect(await nodeReady(unmanaged)).toBeUndefined();
    await core.deleteNode({ name: unmanaged });
  });

  it('a pod bound with the binding subresource runs on a kwok node', async () => {
    const node = `bind-${randomUUID().slice(0, 6)}`;
    await core.createNode({ body: kwokNode(node) });
    await waitFor(`node ${node} Ready`, () => nodeReady(node));
    // A scheduler name nobody serves, so only our binding can place it.
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'bound' },
        spec: { schedulerName: 'nobody', containers: [{ name: 'c', image: 'busybox' }] },
      },
    });
    await core.createNamespacedPodBinding({
      name: 'bound',
      namespace,
      body: { metadata: { name: 'bound' }, target: { kind: 'Node', name: node } },
    });
    const pod = await waitFor('pod bound Running', async () => {
      const p = await core.readNamespacedPod({ name: 'bound', namespace });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe(node);
    expect(pod.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it("a Job's pod completes after its annotated delay and the Job succeeds (kube-controller-manager)", async () => {
    await core.createNode({ body: kwokNode(`job-${randomUUID().slice(0, 6)}`) });
    const started = Date.now();
    await batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'short' },
        spec: {
          backoffLimit: 0,
          template: {
            metadata: { annotations: { [ANNOTATION_COMPLETE_AFTER]: '3s' } },
            spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox' }] },
          },
        },
      },
    });
    const job = await waitFor(
      'job short to succeed',
      async () => {
        const j = await batch.readNamespacedJob({ name: 'short', namespace });
        return (j.status?.succeeded ?? 0) >= 1 ? j : undefined;
      },
      60_000,
    );
    expect(job.status?.conditions?.some((c) => c.type === 'Complete' && c.status === 'True')).toBe(true);
    // It ran for at least the annotated delay, so the stage honoured it.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
  });

  it('kube-scheduler places a default-scheduler pod on a kwok node that fits it', async () => {
    const node = `sched-${randomUUID().slice(0, 6)}`;
    await core.createNode({ body: kwokNode(node, { 'smoke/target': node }) });
    await waitFor(`node ${node} Ready`, () => nodeReady(node));
    await core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'scheduled' },
        spec: {
          nodeSelector: { 'smoke/target': node },
          containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu: '500m' } } }],
        },
      },
    });
    const pod = await waitFor('pod scheduled Running', async () => {
      const p = await core.readNamespacedPod({ name: 'scheduled', namespace });
      return p.status?.phase === 'Running' ? p : undefined;
    });
    expect(pod.spec?.nodeName).toBe(node);
  });
});
