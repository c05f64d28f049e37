import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GiB, InputError, MiB } from '../../../src/model/index.ts';
import { addResources, effectivePodRequest, maxResources } from '../../../src/placement/pod-request.ts';

type List = Record<string, string>;

function ctr(requests?: List, limits?: List, restartPolicy?: string): V1Container {
  const c: V1Container = { name: 'c', image: 'busybox' };
  if (requests || limits) c.resources = { ...(requests && { requests }), ...(limits && { limits }) };
  if (restartPolicy) c.restartPolicy = restartPolicy;
  return c;
}
const sidecar = (requests: List) => ctr(requests, undefined, 'Always');

describe('effectivePodRequest: containers', () => {
  it('sums app containers per resource', () => {
    const r = effectivePodRequest({
      containers: [ctr({ cpu: '250m', memory: '64Mi' }), ctr({ cpu: '1', 'ephemeral-storage': '1Gi' })],
    });
    expect(r).toEqual({ cpu: 1250, memory: 64 * MiB, 'ephemeral-storage': GiB });
  });

  it('a pod with no requests asks for nothing', () => {
    expect(effectivePodRequest({ containers: [ctr(), ctr()] })).toEqual({});
  });

  it('a container with only a limit requests its limit, per resource', () => {
    const r = effectivePodRequest({
      containers: [ctr({ cpu: '100m' }, { cpu: '2', memory: '1Gi', 'nvidia.com/gpu': '1' })],
    });
    expect(r).toEqual({ cpu: 100, memory: GiB, 'nvidia.com/gpu': 1 });
  });

  it('handles extended resources and hugepages like any other resource', () => {
    const r = effectivePodRequest({
      containers: [
        ctr({ 'example.com/fpga': '2', 'hugepages-2Mi': '128Mi' }),
        ctr({ 'example.com/fpga': '1', 'hugepages-1Gi': '2Gi' }),
      ],
    });
    expect(r).toEqual({ 'example.com/fpga': 3, 'hugepages-2Mi': 128 * MiB, 'hugepages-1Gi': 2 * GiB });
  });
});

describe('effectivePodRequest: init containers and sidecars', () => {
  it('a regular init container larger than the apps sets the peak, resource by resource', () => {
    const r = effectivePodRequest({
      initContainers: [ctr({ cpu: '2', memory: '100Mi' })],
      containers: [ctr({ cpu: '500m', memory: '1Gi' })],
    });
    // cpu from the init container, memory from the app
    expect(r).toEqual({ cpu: 2000, memory: GiB });
  });

  it('regular init containers run one at a time: the max, not the sum', () => {
    const r = effectivePodRequest({
      initContainers: [ctr({ cpu: '1' }), ctr({ cpu: '3' }), ctr({ cpu: '2' })],
      containers: [ctr({ cpu: '100m' })],
    });
    expect(r.cpu).toBe(3000);
  });

  it('a sidecar runs for the whole life of the pod, so it adds to the apps', () => {
    const r = effectivePodRequest({
      initContainers: [sidecar({ cpu: '300m', memory: '200Mi' })],
      containers: [ctr({ cpu: '1', memory: '1Gi' })],
    });
    expect(r).toEqual({ cpu: 1300, memory: GiB + 200 * MiB });
  });

  it('a regular init container runs next to the sidecars started before it, not after', () => {
    const app = ctr({ cpu: '200m' });
    const before = effectivePodRequest({
      initContainers: [sidecar({ cpu: '500m' }), ctr({ cpu: '1' })],
      containers: [app],
    });
    // 1 + 0.5 while the init container runs; 0.2 + 0.5 afterwards
    expect(before.cpu).toBe(1500);
    const after = effectivePodRequest({
      initContainers: [ctr({ cpu: '1' }), sidecar({ cpu: '500m' })],
      containers: [app],
    });
    // the init container runs alone (1), then 0.2 + 0.5
    expect(after.cpu).toBe(1000);
  });

  it('a sidecar with only limits requests them', () => {
    const r = effectivePodRequest({
      initContainers: [ctr(undefined, { memory: '256Mi' }, 'Always')],
      containers: [ctr({ memory: '256Mi' })],
    });
    expect(r.memory).toBe(512 * MiB);
  });

  it('an explicit restartPolicy other than Always is a regular init container', () => {
    const r = effectivePodRequest({
      initContainers: [ctr({ cpu: '300m' }, undefined, 'OnFailure')],
      containers: [ctr({ cpu: '1' })],
    });
    expect(r.cpu).toBe(1000);
  });

  it('sidecars + init containers + overhead + a GPU, computed by hand', () => {
    const spec: V1PodSpec = {
      initContainers: [
        sidecar({ cpu: '200m', memory: '256Mi' }), // [0] mesh proxy
        ctr({ cpu: '2', memory: '512Mi' }), // [1] migration
        ctr({ cpu: '500m', memory: '4Gi', 'nvidia.com/gpu': '1' }), // [2] model warm-up on the GPU
        sidecar({ cpu: '50m', memory: '64Mi' }), // [3] metrics
      ],
      containers: [
        ctr({ cpu: '500m', memory: '1Gi' }, { 'nvidia.com/gpu': '1' }), // trainer, GPU by limit only
        ctr({ cpu: '100m', memory: '128Mi' }), // logger
      ],
      overhead: { cpu: '250m', memory: '120Mi' },
    };
    // apps:                     cpu 500 + 100 = 600m, memory 1024 + 128 = 1152Mi, gpu 1
    // sidecars (all):           cpu 200 + 50  = 250m, memory 256 + 64   = 320Mi
    // apps + sidecars:          cpu 850m, memory 1472Mi, gpu 1
    // init [0] (sidecar):       cpu 200m, memory 256Mi
    // init [1] + sidecar [0]:   cpu 2000 + 200 = 2200m, memory 512 + 256 = 768Mi
    // init [2] + sidecar [0]:   cpu 500 + 200 = 700m, memory 4096 + 256 = 4352Mi, gpu 1
    // init [3] (sidecars 0+3):  cpu 250m, memory 320Mi
    // init peak:                cpu 2200m, memory 4352Mi, gpu 1
    // max(apps+sidecars, peak): cpu 2200m, memory 4352Mi, gpu 1
    // + overhead:               cpu 2450m, memory 4472Mi, gpu 1
    expect(effectivePodRequest(spec)).toEqual({ cpu: 2450, memory: 4472 * MiB, 'nvidia.com/gpu': 1 });
  });
});

describe('effectivePodRequest: overhead and pod-level resources', () => {
  it('adds spec.overhead on top, including resources no container asked for', () => {
    const r = effectivePodRequest({
      containers: [ctr({ cpu: '1' })],
      overhead: { cpu: '250m', memory: '160Mi' },
    });
    expect(r).toEqual({ cpu: 1250, memory: 160 * MiB });
  });

  it('pod-level requests replace the aggregate for cpu and memory only, before overhead', () => {
    const r = effectivePodRequest({
      containers: [ctr({ cpu: '3', memory: '3Gi', 'ephemeral-storage': '1Gi', 'nvidia.com/gpu': '1' })],
      resources: { requests: { cpu: '1', memory: '2Gi' } },
      overhead: { cpu: '100m' },
    });
    expect(r).toEqual({ cpu: 1100, memory: 2 * GiB, 'ephemeral-storage': GiB, 'nvidia.com/gpu': 1 });
  });

  it('pod-level limits without requests: the limit when no container asked, else the aggregate', () => {
    const noneAsked = effectivePodRequest({
      containers: [ctr(), ctr()],
      resources: { limits: { cpu: '2', memory: '4Gi' } },
    });
    expect(noneAsked).toEqual({ cpu: 2000, memory: 4 * GiB });

    const cpuAsked = effectivePodRequest({
      containers: [ctr({ cpu: '500m' }), ctr()],
      resources: { limits: { cpu: '2', memory: '4Gi' } },
    });
    expect(cpuAsked).toEqual({ cpu: 500, memory: 4 * GiB });
  });

  it('pod-level hugepages: a request or a limit is taken as is (hugepages are never overcommitted)', () => {
    const r = effectivePodRequest({
      containers: [ctr({ 'hugepages-2Mi': '64Mi' })],
      resources: { limits: { 'hugepages-2Mi': '256Mi' } },
    });
    expect(r['hugepages-2Mi']).toBe(256 * MiB);
    const s = effectivePodRequest({
      containers: [ctr({ 'hugepages-1Gi': '1Gi' })],
      resources: { requests: { 'hugepages-1Gi': '2Gi' } },
    });
    expect(s['hugepages-1Gi']).toBe(2 * GiB);
  });

  it('ignores pod-level values for resources that cannot be set at pod level', () => {
    const r = effectivePodRequest({
      containers: [ctr({ 'ephemeral-storage': '1Gi' })],
      resources: { requests: { 'ephemeral-storage': '5Gi' }, limits: { 'nvidia.com/gpu': '1' } },
    });
    expect(r).toEqual({ 'ephemeral-storage': GiB });
  });
});

describe('effectivePodRequest: bad input', () => {
  it('names the object and the full field path', () => {
    const spec: V1PodSpec = {
      initContainers: [ctr({ cpu: '1' }), ctr({ memory: '1 Gi' })],
      containers: [ctr()],
    };
    expect(() => effectivePodRequest(spec, { object: 'ml/train-0' })).toThrow(
      'ml/train-0: spec.initContainers[1].resources.requests.memory: "1 Gi" is not a Kubernetes quantity',
    );
  });

  it('names limits, overhead and pod-level paths too', () => {
    expect(() => effectivePodRequest({ containers: [ctr(undefined, { cpu: '-1' })] })).toThrow(
      /spec\.containers\[0\]\.resources\.limits\.cpu: "-1" is negative/,
    );
    expect(() => effectivePodRequest({ containers: [ctr()], overhead: { memory: 'lots' } })).toThrow(
      /spec\.overhead\.memory/,
    );
    expect(() =>
      effectivePodRequest({ containers: [ctr()], resources: { requests: { cpu: '1x' } } }),
    ).toThrow(/spec\.resources\.requests\.cpu/);
    expect(() => effectivePodRequest({ containers: [ctr({ 'nvidia.com/gpu': '0.5' })] })).toThrow(
      /spec\.containers\[0\]\.resources\.requests\.nvidia\.com\/gpu: "0\.5" must be a whole number/,
    );
  });

  it('rejects a spec without a container list or with a non-object container', () => {
    expect(() => effectivePodRequest({} as V1PodSpec)).toThrow(InputError);
    expect(() => effectivePodRequest({} as V1PodSpec)).toThrow(/spec\.containers: expected a list/);
    expect(() => effectivePodRequest({ containers: [null as unknown as V1Container] })).toThrow(
      /spec\.containers\[0\]: expected a container/,
    );
  });
});

describe('effectivePodRequest: against a timeline simulation', () => {
  // A pod's life as a sequence of moments; the request is the busiest moment.
  const step = fc.record({ cpu: fc.integer({ min: 0, max: 4000 }), sidecar: fc.boolean() });
  it('equals the peak cpu over the pod life', () => {
    fc.assert(
      fc.property(
        fc.array(step, { maxLength: 6 }),
        fc.array(fc.integer({ min: 0, max: 4000 }), { maxLength: 4 }),
        (inits, apps) => {
          const spec: V1PodSpec = {
            initContainers: inits.map((s) =>
              ctr({ cpu: `${s.cpu}m` }, undefined, s.sidecar ? 'Always' : undefined),
            ),
            containers: apps.map((c) => ctr({ cpu: `${c}m` })),
          };
          let started = 0;
          let peak = 0;
          for (const s of inits) {
            peak = Math.max(peak, started + s.cpu);
            if (s.sidecar) started += s.cpu;
          }
          peak = Math.max(peak, started + apps.reduce((a, b) => a + b, 0));
          const asked = inits.length + apps.length > 0;
          expect(effectivePodRequest(spec).cpu).toBe(asked ? peak : undefined);
        },
      ),
    );
  });
});

describe('resource arithmetic', () => {
  it('adds and maxes over the union of keys', () => {
    expect(addResources({ cpu: 1, memory: 2 }, { cpu: 3, pods: 1 })).toEqual({ cpu: 4, memory: 2, pods: 1 });
    expect(addResources()).toEqual({});
    expect(maxResources({ cpu: 5, memory: 2 }, { cpu: 3, gpu: 0 })).toEqual({ cpu: 5, memory: 2, gpu: 0 });
  });
});
