import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadPreset } from '../../../policies/presets.ts';
import { admit } from '../../../src/admission/admit.ts';
import { cpuTrimPatch } from '../../../src/admission/shape-fit.ts';
import { ANNOTATION_ORIGINAL_CPU_REQUEST, type JsonPatchOp, type Policy } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { testOffering } from '../../fixtures/offering.ts';

const small = testOffering({ instanceType: 'm.large', cpu: 2000, memoryMiB: 8192, pricePerHour: 0.1 });
const big = testOffering({ instanceType: 'm.xlarge', cpu: 4000, memoryMiB: 16384, pricePerHour: 0.2 });
const engine = new PlacementEngine([small, big]);
const base = loadPreset('default');
const fit: Policy = { ...base, rightSizing: { ...base.rightSizing, maxCpuTrimPercent: 5 } };
const ctx = {
  schedulerName: 'berth',
  decide: (pod: V1Pod, shapeFit: boolean) => engine.decide(pod, fit, [], new Set(), undefined, { shapeFit }),
  routes: {},
};
const kept = 2000 - (nodeAllocatable(small).cpu ?? 0);

function build(containers: NonNullable<V1Pod['spec']>['containers'], initCpu?: string): V1Pod {
  return {
    metadata: { name: 'build', labels: { 'berth.dev/enabled': 'true' } },
    spec: {
      containers,
      ...(initCpu
        ? { initContainers: [{ name: 'fetch', image: 'x', resources: { requests: { cpu: initCpu } } }] }
        : {}),
    },
  };
}

function admitted(pod: V1Pod) {
  const r = admit(
    {
      uid: 'u',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      namespace: 'ci',
      object: pod,
    },
    ctx,
  );
  const p = r.review.response.patch;
  return p ? (JSON.parse(Buffer.from(p, 'base64').toString()) as JsonPatchOp[]) : [];
}

describe('shape fit at creation', () => {
  it('the webhook lowers a 2-CPU request to what the 2-vCPU machine holds and records the original', () => {
    const ops = admitted(
      build([{ name: 'c', image: 'x', resources: { requests: { cpu: '2', memory: '1Gi' } } }]),
    );
    expect(ops).toContainEqual({
      op: 'add',
      path: '/spec/containers/0/resources/requests/cpu',
      value: `${2000 - kept}m`,
    });
    const annotations = ops.find((o) => o.path === '/metadata/annotations')?.value as Record<string, string>;
    expect(JSON.parse(annotations[ANNOTATION_ORIGINAL_CPU_REQUEST] ?? '{}')).toEqual({ c: '2' });
    expect(annotations['berth.dev/decision']).toContain('m.large');
  });

  it('takes from the largest request first, and adds a request where only a limit was set', () => {
    const t = cpuTrimPatch(
      build([
        { name: 'small', image: 'x', resources: { requests: { cpu: '200m' } } },
        { name: 'main', image: 'x', resources: { limits: { cpu: '1800m' } } },
      ]),
      70,
    );
    expect(t?.ops).toEqual([
      { op: 'add', path: '/spec/containers/1/resources/requests', value: { cpu: '1730m' } },
    ]);
    expect(t?.original).toEqual({ main: '1800m' });
  });

  it('leaves a pod whose request is an init container’s, and decides it without the trim', () => {
    const pod = build([{ name: 'c', image: 'x', resources: { requests: { cpu: '2', memory: '1Gi' } } }], '2');
    expect(cpuTrimPatch(pod, kept)).toBeUndefined();
    const ops = admitted(pod);
    expect(ops.some((o) => o.path.includes('/resources/'))).toBe(false);
    const annotations = ops.find((o) => o.path === '/metadata/annotations')?.value as Record<string, string>;
    expect(annotations[ANNOTATION_ORIGINAL_CPU_REQUEST]).toBeUndefined();
    expect(annotations['berth.dev/decision']).toContain('m.xlarge');
  });
});
