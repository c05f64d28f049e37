import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { loadPreset } from '../../../policies/presets.ts';
import { GiB } from '../../../src/model/index.ts';
import { describeRejection } from '../../../src/placement/explain.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { buildIndex } from '../../../src/placement/offering-index.ts';
import { serverlessRejection } from '../../../src/placement/serverless.ts';
import {
  gpuField,
  hostNamespacesField,
  hostNetworkField,
  hostPathField,
  hostPortField,
  limitsOf,
  podFeatures,
  privilegedField,
} from '../../../src/placement/serverless-limits.ts';
import { sizePod } from '../../../src/placement/sizing.ts';
import { decide } from '../../../src/placement/solver.ts';
import { fargate } from './solver-fixtures.ts';

/** The pod: a CI runner with a privileged Docker-in-Docker sidecar and 30Gi of scratch. */
const dind: V1PodSpec = {
  containers: [
    {
      name: 'runner',
      image: 'runner',
      resources: { requests: { cpu: '2', memory: '4Gi', 'ephemeral-storage': '30Gi' } },
    },
    { name: 'dind', image: 'docker:dind', securityContext: { privileged: true } },
  ],
};

const serverlessOfferings = loadCatalog().offerings.filter((o) => o.capacityType === 'serverless');

describe('serverless limits', () => {
  it('has documented limits for every serverless platform in the embedded catalog', () => {
    expect(serverlessOfferings.length).toBeGreaterThan(0);
    for (const o of serverlessOfferings) expect(limitsOf(o.family), o.instanceType).toBeDefined();
  });

  it('rules out every serverless platform for a privileged pod, naming the rule and the field', () => {
    const features = podFeatures(dind);
    for (const o of serverlessOfferings) {
      const r = serverlessRejection({ cpu: 2000, memory: 4 * GiB }, o, features);
      expect(r, o.instanceType).toMatchObject({ reason: 'serverless-limit', rule: 'privileged' });
    }
    const onFargate = serverlessRejection({ cpu: 2000, memory: 4 * GiB }, fargate(), features);
    expect(describeRejection(onFargate!)).toBe(
      'fargate: privileged containers are not supported (spec.containers[1].securityContext.privileged)',
    );
  });

  it('never places the privileged Docker-in-Docker runner on serverless, under any preset', () => {
    const index = buildIndex(
      loadCatalog({ regions: ['us-east-1', 'us-central1', 'eastus'] }).offerings,
      nodeAllocatable,
    );
    for (const name of ['default', 'ci-burst', 'cost-optimized']) {
      const policy = loadPreset(name);
      const sizing = sizePod({ spec: dind, policy });
      const d = decide({ pod: { namespace: 'ci', name: 'dind' }, sizing, podSpec: dind, policy, index });
      expect(d.chosen?.offering.capacityType, name).not.toBe('serverless');
      for (const c of d.fallbacks) expect(c.offering.capacityType, name).not.toBe('serverless');
      // Those the policy's architectures allow are ruled out by their limits.
      const judged = serverlessOfferings.filter((o) => policy.architectures.includes(o.arch));
      expect(d.rejected['serverless-limit'], name).toBe(judged.length);
    }
  });

  it('rejects ephemeral storage above the platform limit, saying storage', () => {
    const r = serverlessRejection({ cpu: 500, memory: GiB, 'ephemeral-storage': 30 * GiB }, fargate(), {});
    expect(r).toMatchObject({ rule: 'ephemeral-storage' });
    expect(describeRejection(r!)).toBe("fargate: ephemeral-storage 30Gi is over the platform's at most 20Gi");
    expect(
      serverlessRejection({ cpu: 500, memory: GiB, 'ephemeral-storage': 20 * GiB }, fargate(), {}),
    ).toBeUndefined();
  });

  it('rejects a pod above the documented maximum shape', () => {
    const aci = serverlessOfferings.find((o) => o.family === 'aci')!;
    const r = serverlessRejection({ cpu: 4500, memory: 4 * GiB }, aci, {});
    expect(r).toMatchObject({ rule: 'shape' });
    expect(describeRejection(r!)).toContain('aci runs at most 4000m/16384Mi');
  });

  it('keeps DaemonSet pods off platforms that run none, but not off Autopilot', () => {
    const features = podFeatures({ containers: [{ name: 'a' }] }, { cpu: 100, pods: 2 });
    expect(features.daemonSets).toBe('2 DaemonSets tolerating the dedicated taint');
    const autopilot = serverlessOfferings.find((o) => o.family === 'autopilot')!;
    expect(serverlessRejection({ cpu: 500, memory: GiB }, autopilot, features)).toBeUndefined();
    expect(serverlessRejection({ cpu: 500, memory: GiB }, fargate(), features)).toMatchObject({
      rule: 'daemonSets',
    });
  });

  it('rejects an unknown serverless platform outright', () => {
    const r = serverlessRejection({ cpu: 500 }, fargate({ family: 'lambda' }), {});
    expect(r).toMatchObject({ rule: 'platform' });
  });

  it('finds each host feature and names its field', () => {
    const c = { name: 'c' };
    expect(
      privilegedField({ containers: [c], initContainers: [{ ...c, securityContext: { privileged: true } }] }),
    ).toBe('spec.initContainers[0].securityContext.privileged');
    expect(
      privilegedField({ containers: [{ ...c, securityContext: { privileged: false } }] }),
    ).toBeUndefined();
    expect(hostNetworkField({ containers: [c], hostNetwork: true })).toBe('spec.hostNetwork');
    expect(
      hostPortField({
        containers: [c, { ...c, ports: [{ containerPort: 80 }, { containerPort: 81, hostPort: 8081 }] }],
      }),
    ).toBe('spec.containers[1].ports[1].hostPort');
    expect(hostPortField({ containers: [{ ...c, ports: [{ containerPort: 80 }] }] })).toBeUndefined();
    expect(
      hostPathField({
        containers: [c],
        volumes: [
          { name: 'x', emptyDir: {} },
          { name: 'd', hostPath: { path: '/var/run' } },
        ],
      }),
    ).toBe('spec.volumes[1].hostPath');
    expect(hostNamespacesField({ containers: [c], hostPID: true })).toBe('spec.hostPID');
    expect(hostNamespacesField({ containers: [c], hostIPC: true })).toBe('spec.hostIPC');
    expect(gpuField({ containers: [{ ...c, resources: { limits: { 'nvidia.com/gpu': '1' } } }] })).toBe(
      'spec.containers[0].resources.limits["nvidia.com/gpu"]',
    );
    expect(podFeatures({ containers: [c] })).toEqual({});
  });

  it('words a host-network rejection on Autopilot', () => {
    const autopilot = serverlessOfferings.find((o) => o.family === 'autopilot')!;
    const r = serverlessRejection(
      { cpu: 500, memory: GiB },
      autopilot,
      podFeatures({ containers: [{ name: 'c' }], hostNetwork: true }),
    );
    expect(describeRejection(r!)).toBe('autopilot: the host network is not supported (spec.hostNetwork)');
  });
});
