import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { patchBootstrap, registrationOf } from '../../../../providers/gcp/bootstrap.ts';
import { validateGcpConfig } from '../../../../providers/gcp/config.ts';
import { requestIdFor, vmRefOf } from '../../../../providers/gcp/labels.ts';
import { gcpConfigFromFlags, parseSpotBand } from '../../../../src/cli/gcp-flags.ts';

const pool = [
  {
    key: 'kube-env',
    value:
      'CLUSTER_NAME: prod\nNODE_TAINTS: "pool=gpu:NoSchedule"\nKUBELET_ARGS: --v=2 --max-pods=110 --node-labels=a=b\n',
  },
  { key: 'kube-labels', value: 'cloud.google.com/gke-nodepool=pool-1' },
  { key: 'configure-sh', value: '#!/bin/bash' },
];

describe("a GKE node pool's bootstrap metadata, patched for one pod", () => {
  it("adds berth's labels and taint to the kubelet's registration and keeps the pool's own", () => {
    const items = patchBootstrap(
      pool,
      {
        labels: { 'berth.dev/pod-uid': 'u1' },
        taints: [{ key: 'berth.dev/dedicated', value: 'u1', effect: 'NoSchedule' }],
        maxPods: 9,
      },
      { 'berth-offering-id': 'gcp/us-central1/*/e2-small/spot' },
    );
    const env = parse(items.find((i) => i.key === 'kube-env')?.value ?? '') as Record<string, string>;
    expect(env.CLUSTER_NAME).toBe('prod');
    expect(env.KUBELET_ARGS).toContain('--max-pods=9');
    expect(env.KUBELET_ARGS).not.toContain('--max-pods=110');
    expect(env.KUBELET_ARGS).toContain(
      '--register-with-taints=pool=gpu:NoSchedule,berth.dev/dedicated=u1:NoSchedule',
    );
    expect(items.find((i) => i.key === 'configure-sh')?.value).toBe('#!/bin/bash');
    expect(items.find((i) => i.key === 'berth-offering-id')?.value).toBe('gcp/us-central1/*/e2-small/spot');
    // Read back as the node's bootstrap would.
    expect(registrationOf(items)).toEqual({
      labels: { 'cloud.google.com/gke-nodepool': 'pool-1', 'berth.dev/pod-uid': 'u1' },
      taints: [
        { key: 'pool', value: 'gpu', effect: 'NoSchedule' },
        { key: 'berth.dev/dedicated', value: 'u1', effect: 'NoSchedule' },
      ],
      maxPods: 9,
    });
  });

  it('refuses a template that is not a GKE node pool', () => {
    expect(() => patchBootstrap([{ key: 'startup-script', value: '' }], { labels: {}, taints: [] })).toThrow(
      /kube-env/,
    );
  });
});

describe('GCP provider configuration', () => {
  const flags = { gcpProject: 'my-project', gcpCluster: 'prod', gcpNodePoolTemplate: 'gke-prod-pool-1' };
  it('fills zones from the region and names the missing flag', () => {
    expect(gcpConfigFromFlags(flags, { region: 'us-central1' }).zones).toEqual([
      'us-central1-a',
      'us-central1-b',
      'us-central1-c',
    ]);
    expect(() => gcpConfigFromFlags({ ...flags, gcpCluster: undefined }, { region: 'us-central1' })).toThrow(
      /--gcp-cluster/,
    );
    expect(() => parseSpotBand('7')).toThrow(/--gcp-spot-band/);
    expect(parseSpotBand('0')?.label).toBe('<5%');
  });

  it('checks each field before any call, naming it', () => {
    const ok = gcpConfigFromFlags(flags, { region: 'us-central1' });
    expect(() => validateGcpConfig({ ...ok, zones: ['europe-west1-b'] })).toThrow(
      /zones.*not a zone of region us-central1/,
    );
    expect(() => validateGcpConfig({ ...ok, project: 'X' })).toThrow(/project/);
    expect(() => validateGcpConfig({ ...ok, nodePoolTemplate: 'Bad Name' })).toThrow(/nodePoolTemplate/);
  });

  it('derives one requestId per claim and zone, and reads instance ids both ways', () => {
    expect(requestIdFor('c-1', 'us-central1-a')).toBe(requestIdFor('c-1', 'us-central1-a'));
    expect(requestIdFor('c-1', 'us-central1-a')).not.toBe(requestIdFor('c-1', 'us-central1-b'));
    expect(requestIdFor('c-1', 'us-central1-a')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    expect(vmRefOf('gce://p/us-central1-a/berth-x-0')).toEqual({ zone: 'us-central1-a', name: 'berth-x-0' });
    expect(vmRefOf('us-central1-a/berth-x-0')).toEqual({ zone: 'us-central1-a', name: 'berth-x-0' });
  });
});
