import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { loadPreset } from '../../../policies/presets.ts';
import { GiB, MiB } from '../../../src/model/index.ts';
import { dedicatedMaxPods, MAX_PODS_MARGIN, nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { buildIndex } from '../../../src/placement/offering-index.ts';
import { BLOCK_STORAGE, rootVolumeGiB, rootVolumePricePerHour } from '../../../src/placement/root-volume.ts';
import { sizePod } from '../../../src/placement/sizing.ts';
import { decide } from '../../../src/placement/solver.ts';
import { noSpec, offering, pod, policy, sizing } from './solver-fixtures.ts';

const bounds = { min: 20 * GiB, max: 1024 * GiB };

/** A CI runner asking for 30Gi of scratch space (the pod, without the privileged sidecar). */
const runner: V1PodSpec = {
  containers: [
    {
      name: 'runner',
      image: 'runner',
      resources: { requests: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '30Gi' } },
    },
  ],
};

describe('root volume', () => {
  it('is the policy minimum for a pod that asks for no scratch space', () => {
    expect(rootVolumeGiB({ cpu: 1000 }, bounds)).toBe(20);
  });

  it('holds the request plus the image and system reserve, above the nodefs eviction margin', () => {
    // (30 + 10) / 0.9 = 44.4 -> 45 GiB, of which the kubelet lets pods use 90%.
    const gib = rootVolumeGiB({ 'ephemeral-storage': 30 * GiB }, bounds);
    expect(gib).toBe(45);
    const alloc = nodeAllocatable(offering({ instanceType: 'm5.large', pricePerHour: 0.096 }), {
      rootVolumeGiB: gib,
      maxPods: 5,
    });
    expect(alloc['ephemeral-storage']).toBeGreaterThanOrEqual(30 * GiB);
  });

  it('stops at the policy maximum', () => {
    expect(rootVolumeGiB({ 'ephemeral-storage': 4096 * GiB }, bounds)).toBe(1024);
  });

  it('is priced per GB-month at the cloud block-storage rate, over 730 hours', () => {
    expect(rootVolumePricePerHour('aws', 45)).toBeCloseTo((45 * 0.08) / 730, 12);
    expect(BLOCK_STORAGE.aws.volume).toBe('gp3');
    expect(BLOCK_STORAGE.gcp.volume).toBe('pd-balanced');
    expect(rootVolumePricePerHour('azure', 128)).toBeCloseTo(19.71 / 730, 12);
  });

  it('gives a 30Gi scratch pod a 45 GiB disk on AWS on-demand, priced into the offering', () => {
    const index = buildIndex(
      loadCatalog({ clouds: ['aws'], regions: ['us-east-1'] }).offerings,
      nodeAllocatable,
    );
    const p = loadPreset('on-demand-only');
    const d = decide({
      pod: { namespace: 'ci', name: 'runner' },
      sizing: sizePod({ spec: runner, policy: p }),
      podSpec: runner,
      policy: p,
      index,
    });
    expect(d.chosen, d.explanation).toBeDefined();
    const c = d.chosen!;
    expect(c.node?.rootVolumeGiB).toBe(45);
    expect(c.rootVolumePricePerHour).toBeCloseTo(rootVolumePricePerHour('aws', 45), 12);
    expect(c.pricePerHour).toBeCloseTo(c.offering.pricePerHour + rootVolumePricePerHour('aws', 45), 12);
    expect(d.explanation).toContain('with a 45Gi root volume');
  });

  it('rejects for storage, saying storage, when the disk would exceed the policy maximum', () => {
    const p = policy({ rootVolume: { min: 20 * GiB, max: 100 * GiB } });
    const big = offering({ instanceType: 'm5.4xlarge', cpu: 16_000, memoryMiB: 65_536, pricePerHour: 0.768 });
    const idx = buildIndex([big], nodeAllocatable);
    const d = decide({
      pod,
      sizing: sizing({ cpu: 1000, memory: GiB, 'ephemeral-storage': 200 * GiB, pods: 1 }),
      podSpec: noSpec,
      policy: p,
      index: idx,
    });
    expect(d.chosen).toBeUndefined();
    expect(d.nearestMisses[0]?.reasons[0]).toMatch(/^too small: ephemeral-storage needs 200Gi, has 90Gi$/);
    expect(d.explanation).not.toMatch(/cpu needs/);
  });
});

describe('kubelet maxPods on a dedicated node', () => {
  it('is the pod and its DaemonSets plus a small margin, never above what the machine takes', () => {
    expect(dedicatedMaxPods(1, 29)).toBe(1 + MAX_PODS_MARGIN);
    expect(dedicatedMaxPods(3, 29)).toBe(3 + MAX_PODS_MARGIN);
    expect(dedicatedMaxPods(3, 4)).toBe(4);
    expect(dedicatedMaxPods(1, undefined)).toBe(1 + MAX_PODS_MARGIN);
  });

  it('shrinks the EKS memory reserve, so a pod that fills an m5.large no longer needs an m5.xlarge', () => {
    const large = offering({
      instanceType: 'm5.large',
      cpu: 2000,
      memoryMiB: 8192,
      maxPods: 29,
      pricePerHour: 0.096,
    });
    const xlarge = offering({
      instanceType: 'm5.xlarge',
      cpu: 4000,
      memoryMiB: 16_384,
      maxPods: 58,
      pricePerHour: 0.192,
    });
    // With the ENI maximum (29 pods) the kubelet keeps 11 x 29 + 255 + 100 = 674 MiB: 7518 MiB left.
    expect(nodeAllocatable(large).memory).toBe((8192 - 674) * MiB);
    const idx = buildIndex([large, xlarge], nodeAllocatable);
    const spec: V1PodSpec = {
      containers: [{ name: 'app', resources: { requests: { cpu: '1', memory: '7600Mi' } } }],
    };
    const daemonSet: V1PodSpec = {
      containers: [{ name: 'agent', resources: { requests: { cpu: '50m', memory: '50Mi' } } }],
      tolerations: [{ key: 'berth.dev/dedicated', operator: 'Exists' }],
    };
    const p = policy();
    const d = decide({
      pod,
      sizing: sizePod({ spec, policy: p, daemonSets: [daemonSet] }),
      podSpec: spec,
      policy: p,
      index: idx,
    });
    expect(d.chosen?.offering.instanceType).toBe('m5.large');
    // the pod + 1 DaemonSet + the margin: 11 x 6 + 255 + 100 = 421 MiB kept back, 7771 MiB left for 7650.
    expect(d.chosen?.node).toEqual({ rootVolumeGiB: 20, maxPods: 2 + MAX_PODS_MARGIN });
  });
});
