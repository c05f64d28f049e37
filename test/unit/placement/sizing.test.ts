import type { V1Container, V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GiB, InputError, MiB, type Policy } from '../../../src/model/index.ts';
import { sizePod, toleratesDedicatedTaint } from '../../../src/placement/sizing.ts';
import { policy as basePolicy } from './solver-fixtures.ts';

function policy(rightSizing: Partial<Policy['rightSizing']> = {}): Policy {
  return basePolicy({
    rightSizing: {
      mode: 'request',
      headroomPercent: 0,
      min: {},
      max: {},
      upsizeForHeadroom: false,
      maxCpuTrimPercent: 0,
      ...rightSizing,
    },
  });
}

function pod(requests?: Record<string, string>, tolerations?: V1Toleration[]): V1PodSpec {
  const c: V1Container = { name: 'main', image: 'busybox', ...(requests && { resources: { requests } }) };
  return { containers: [c], ...(tolerations && { tolerations }) };
}

describe('toleratesDedicatedTaint', () => {
  const cases: [string, V1Toleration[] | undefined, boolean][] = [
    ['no tolerations', undefined, false],
    ['an empty list', [], false],
    ['Exists with no key tolerates everything', [{ operator: 'Exists' }], true],
    ['Exists with no key, NoSchedule', [{ operator: 'Exists', effect: 'NoSchedule' }], true],
    ['Exists with no key, but only NoExecute', [{ operator: 'Exists', effect: 'NoExecute' }], false],
    ['our key, Exists', [{ key: 'berth.dev/dedicated', operator: 'Exists' }], true],
    [
      'our key, Exists, NoSchedule',
      [{ key: 'berth.dev/dedicated', operator: 'Exists', effect: 'NoSchedule' }],
      true,
    ],
    [
      'our key, Exists, PreferNoSchedule',
      [{ key: 'berth.dev/dedicated', operator: 'Exists', effect: 'PreferNoSchedule' }],
      false,
    ],
    ['our key, Equal to some uid', [{ key: 'berth.dev/dedicated', operator: 'Equal', value: 'abc' }], false],
    ['our key, operator defaults to Equal', [{ key: 'berth.dev/dedicated', value: 'abc' }], false],
    ['another key, Exists', [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }], false],
    [
      'one of several matches',
      [
        { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
        { key: 'berth.dev/dedicated', operator: 'Exists' },
      ],
      true,
    ],
  ];
  it.each(cases)('%s', (_name, tolerations, expected) => {
    expect(toleratesDedicatedTaint(tolerations)).toBe(expected);
  });
});

describe('sizePod: the pod itself', () => {
  it('a pod with no requests needs nothing but a pod slot', () => {
    const s = sizePod({ spec: pod(), policy: policy() });
    expect(s.podRequest).toEqual({});
    expect(s.daemonSets).toEqual({});
    expect(s.need).toEqual({ cpu: 0, memory: 0, pods: 1 });
  });

  it('passes the effective request through unchanged without headroom or bounds', () => {
    const s = sizePod({
      spec: pod({ cpu: '1500m', memory: '3Gi', 'nvidia.com/gpu': '1' }),
      policy: policy(),
    });
    expect(s.podRequest).toEqual({ cpu: 1500, memory: 3 * GiB, 'nvidia.com/gpu': 1 });
    expect(s.adjusted).toEqual(s.podRequest);
    expect(s.need).toEqual({ ...s.podRequest, pods: 1 });
  });

  it('adds headroom to cpu and memory only, rounded up', () => {
    const s = sizePod({
      spec: pod({ cpu: '1', memory: '1Gi', 'nvidia.com/gpu': '2', 'ephemeral-storage': '10Gi' }),
      policy: policy({ headroomPercent: 10 }),
    });
    // 1000m x 1.1 is exactly 1100m, even though 1000 * 1.1 is 1100.0000000000002 in a double
    expect(s.adjusted.cpu).toBe(1100);
    // 1073741824 x 1.1 = 1181116006.4 -> 1181116007
    expect(s.adjusted.memory).toBe(1_181_116_007);
    expect(s.adjusted['nvidia.com/gpu']).toBe(2);
    expect(s.adjusted['ephemeral-storage']).toBe(10 * GiB);
    expect(s.podRequest.cpu).toBe(1000);
  });

  it('headroom is the integer ceiling of value x (100 + percent) / 100', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 300 }), (m, h) => {
        const s = sizePod({ spec: pod({ memory: `${m}` }), policy: policy({ headroomPercent: h }) });
        expect(s.adjusted.memory).toBe(Math.floor((m * (100 + h) + 99) / 100));
      }),
    );
  });

  it('accepts fractional headroom', () => {
    const s = sizePod({ spec: pod({ cpu: '2' }), policy: policy({ headroomPercent: 12.5 }) });
    expect(s.adjusted.cpu).toBe(2250);
  });

  it('clamps after headroom: min raises, max lowers', () => {
    const raised = sizePod({ spec: pod(), policy: policy({ min: { cpu: 250, memory: 256 * MiB } }) });
    expect(raised.need).toEqual({ cpu: 250, memory: 256 * MiB, pods: 1 });

    const lowered = sizePod({
      spec: pod({ cpu: '900m', memory: '6Gi' }),
      policy: policy({ headroomPercent: 20, max: { cpu: 1000, memory: 8 * GiB } }),
    });
    // cpu 900 x 1.2 = 1080 -> capped at 1000; memory 6Gi x 1.2 = 7.2Gi stays under 8Gi
    expect(lowered.adjusted.cpu).toBe(1000);
    expect(lowered.adjusted.memory).toBe(Math.ceil(6 * GiB * 1.2));
  });

  it('names the pod and the field when its spec is bad', () => {
    expect(() => sizePod({ spec: pod({ cpu: 'lots' }), policy: policy(), object: 'ci/runner-7' })).toThrow(
      'ci/runner-7: spec.containers[0].resources.requests.cpu',
    );
  });
});

describe('sizePod: DaemonSets', () => {
  const everywhere = pod({ cpu: '100m', memory: '128Mi' }, [{ operator: 'Exists' }]);
  const ours = pod({ cpu: '50m', memory: '64Mi', 'ephemeral-storage': '1Gi' }, [
    { key: 'berth.dev/dedicated', operator: 'Exists', effect: 'NoSchedule' },
  ]);
  const elsewhere = pod({ cpu: '2', memory: '4Gi' }, [{ key: 'gpu', operator: 'Exists' }]);

  it('adds the requests of the DaemonSets that tolerate the dedicated taint, one pod each', () => {
    const s = sizePod({
      spec: pod({ cpu: '1', memory: '1Gi' }),
      policy: policy({ headroomPercent: 10 }),
      daemonSets: [everywhere, elsewhere, ours],
    });
    expect(s.daemonSets).toEqual({ cpu: 150, memory: 192 * MiB, 'ephemeral-storage': GiB, pods: 2 });
    // headroom is for the pod, not its DaemonSets
    expect(s.need).toEqual({
      cpu: 1100 + 150,
      memory: 1_181_116_007 + 192 * MiB,
      'ephemeral-storage': GiB,
      pods: 3,
    });
  });

  it('DaemonSets that tolerate nothing add nothing', () => {
    const s = sizePod({
      spec: pod({ cpu: '1' }),
      policy: policy(),
      daemonSets: [elsewhere, pod({ cpu: '1' })],
    });
    expect(s.daemonSets).toEqual({});
    expect(s.need).toEqual({ cpu: 1000, memory: 0, pods: 1 });
  });

  it('names a bad DaemonSet by position', () => {
    const bad = pod({ memory: '1 Gi' }, [{ operator: 'Exists' }]);
    expect(() => sizePod({ spec: pod(), policy: policy(), daemonSets: [elsewhere, bad] })).toThrow(
      InputError,
    );
    expect(() => sizePod({ spec: pod(), policy: policy(), daemonSets: [elsewhere, bad] })).toThrow(
      /^daemonSets\[1\]: spec\.containers\[0\]\.resources\.requests\.memory/,
    );
  });

  it('need always covers the request plus every following DaemonSet', () => {
    const spec = fc.record({
      cpu: fc.integer({ min: 0, max: 8000 }),
      mem: fc.integer({ min: 0, max: 65_536 }),
    });
    fc.assert(
      fc.property(spec, fc.array(fc.tuple(spec, fc.boolean()), { maxLength: 5 }), (p, dss) => {
        const asSpec = (r: { cpu: number; mem: number }, tolerate = false) =>
          pod({ cpu: `${r.cpu}m`, memory: `${r.mem}Mi` }, tolerate ? [{ operator: 'Exists' }] : undefined);
        const s = sizePod({
          spec: asSpec(p),
          policy: policy(),
          daemonSets: dss.map(([r, t]) => asSpec(r, t)),
        });
        const on = dss.filter(([, t]) => t).map(([r]) => r);
        expect(s.need.cpu).toBe(p.cpu + on.reduce((a, r) => a + r.cpu, 0));
        expect(s.need.memory).toBe((p.mem + on.reduce((a, r) => a + r.mem, 0)) * MiB);
        expect(s.need.pods).toBe(1 + on.length);
      }),
    );
  });
});
