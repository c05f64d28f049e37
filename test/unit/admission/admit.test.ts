import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadPreset } from '../../../policies/presets.ts';
import { admit, requestOf } from '../../../src/admission/admit.ts';
import { webhookConfiguration } from '../../../src/admission/webhook-configuration.ts';
import {
  ANNOTATION_DECISION,
  type AdmissionRequest,
  type JsonPatchOp,
  InputError,
  LABEL_ENABLED,
} from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { testOffering } from '../../fixtures/offering.ts';

const machine = testOffering({ capacityType: 'on-demand', pricePerHour: 0.096 });
const engine = new PlacementEngine([machine]);
const policy = loadPreset('default');
const ctx = {
  schedulerName: 'berth',
  ownNamespace: 'berth-system',
  decide: (pod: V1Pod) => engine.decide(pod, policy, [], new Set()),
  routes: {},
};

function pod(
  over: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    schedulerName?: string;
  } = {},
): V1Pod {
  return {
    metadata: { generateName: 'web-', ...over },
    spec: {
      ...(over.schedulerName
        ? { schedulerName: over.schedulerName }
        : { schedulerName: 'default-scheduler' }),
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' } } }],
    },
  };
}

function request(object: unknown, over: Partial<AdmissionRequest> = {}): AdmissionRequest {
  return {
    uid: 'u1',
    kind: { group: '', version: 'v1', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'team-a',
    object,
    ...over,
  };
}

function patchOf(r: ReturnType<typeof admit>): JsonPatchOp[] {
  const p = r.review.response.patch;
  return p ? (JSON.parse(Buffer.from(p, 'base64').toString()) as JsonPatchOp[]) : [];
}

describe('admit', () => {
  it('gives an opted-in pod berth as its scheduler and records the decision', () => {
    const r = admit(request(pod()), ctx);
    expect(r.outcome).toBe('placed');
    expect(r.review.response).toMatchObject({ uid: 'u1', allowed: true, patchType: 'JSONPatch' });
    const ops = patchOf(r);
    expect(ops).toContainEqual({ op: 'add', path: '/spec/schedulerName', value: 'berth' });
    const annotations = ops.find((o) => o.path === '/metadata/annotations')?.value as Record<string, string>;
    const decision = JSON.parse(annotations[ANNOTATION_DECISION] ?? '{}');
    expect(decision).toMatchObject({
      offering: machine.id,
      capacityType: 'on-demand',
      via: 'berth',
      policy: 'default',
    });
  });

  it('adds to annotations a pod already has, escaping the key', () => {
    const ops = patchOf(admit(request(pod({ annotations: { a: 'b' } })), ctx));
    expect(ops[0]?.path).toBe('/metadata/annotations/berth.dev~1decision');
  });

  it('leaves alone what is not its to place', () => {
    for (const [object, over] of [
      [pod({ labels: { [LABEL_ENABLED]: 'false' } }), {}],
      [pod({ schedulerName: 'volcano' }), {}],
      [pod(), { namespace: 'kube-system' }],
      [pod(), { namespace: 'berth-system' }],
      [pod(), { operation: 'UPDATE' }],
      [pod(), { kind: { group: '', version: 'v1', kind: 'Service' } }],
    ] as const) {
      const r = admit(request(object, over), ctx);
      expect(r.outcome).toBe('skipped');
      expect(r.review.response).toEqual({ uid: 'u1', allowed: true });
    }
  });

  it('admits a pod it cannot decide for unchanged, with a warning naming the field', () => {
    const bad = pod();
    bad.spec!.containers[0]!.resources = { requests: { cpu: 'lots' } };
    const r = admit(request(bad), ctx);
    expect(r.outcome).toBe('warned');
    expect(r.review.response.patch).toBeUndefined();
    expect(r.review.response.allowed).toBe(true);
    expect(r.review.response.warnings?.[0]).toMatch(/^berth: .*cpu.*admitted unchanged/);
  });

  it('never rejects because of a bug of its own', () => {
    const r = admit(request(pod()), {
      ...ctx,
      decide: () => {
        throw new TypeError('boom');
      },
    });
    expect(r.review.response.allowed).toBe(true);
    expect(r.review.response.warnings?.[0]).toContain('could not decide (TypeError: boom)');
  });

  it('answers a request without a pod spec unchanged, and a body that is no review with an InputError', () => {
    expect(admit(request({ metadata: {} }), ctx).review.response.warnings).toHaveLength(1);
    expect(() => requestOf({ kind: 'AdmissionReview' })).toThrow(InputError);
    expect(requestOf({ request: { uid: 'x' } }).uid).toBe('x');
  });

  it('routes a serverless winner through its platform route', () => {
    const fargate = testOffering({
      instanceType: 'fargate-amd64',
      family: 'fargate',
      capacityType: 'serverless',
      pricePerHour: 0,
      serverless: {
        perVcpuHour: 0.001,
        perGiBHour: 0.001,
        overhead: { cpu: 0, memoryMiB: 256 },
        shapes: [{ cpu: 500, memoryMinMiB: 1024, memoryMaxMiB: 4096, memoryStepMiB: 1024 }],
      },
    });
    const e = new PlacementEngine([machine, fargate]);
    const r = admit(request(pod()), {
      ...ctx,
      decide: (p: V1Pod) => e.decide(p, loadPreset('default'), [], new Set()),
      routes: {
        fargate: () => ({ via: 'fargate-scheduler', schedulerName: 'fargate-scheduler', labels: { x: 'y' } }),
      },
    });
    const ops = patchOf(r);
    expect(ops).toContainEqual({ op: 'add', path: '/spec/schedulerName', value: 'fargate-scheduler' });
    expect(ops).toContainEqual({ op: 'add', path: '/metadata/labels', value: { x: 'y' } });
  });
});

describe('webhookConfiguration', () => {
  it('lets selectors choose: labelled namespaces minus opted-out pods, and labelled pods elsewhere', () => {
    const c = webhookConfiguration({
      installation: 'berth',
      endpoint: { service: { namespace: 'berth-system', name: 'berth-webhook', port: 443 } },
      caPem: 'PEM',
      failurePolicy: 'Ignore',
      ownNamespace: 'berth-system',
    });
    const [byNamespace, byPod] = c.webhooks ?? [];
    expect(byNamespace?.namespaceSelector?.matchLabels).toEqual({ [LABEL_ENABLED]: 'true' });
    expect(byNamespace?.namespaceSelector?.matchExpressions?.[0]?.values).toContain('kube-system');
    expect(byNamespace?.namespaceSelector?.matchExpressions?.[0]?.values).toContain('berth-system');
    expect(byNamespace?.objectSelector?.matchExpressions).toEqual([
      { key: LABEL_ENABLED, operator: 'NotIn', values: ['false'] },
    ]);
    expect(byPod?.objectSelector?.matchLabels).toEqual({ [LABEL_ENABLED]: 'true' });
    expect(byPod?.clientConfig.service).toEqual({
      namespace: 'berth-system',
      name: 'berth-webhook',
      port: 443,
      path: '/mutate-pods',
    });
    expect(byPod?.rules?.[0]?.operations).toEqual(['CREATE']);
    expect(Buffer.from(byPod?.clientConfig.caBundle ?? '', 'base64').toString()).toBe('PEM');
  });
});
