import { describe, expect, it } from 'vitest';
import { nodeFor } from '../../../providers/local/node-object.ts';
import { claimFor } from '../../../src/controller/claim.ts';
import { type BerthObject, type Claim, GiB } from '../../../src/model/index.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { parseQuantity } from '../../../src/model/quantity.ts';
import { testOffering } from '../../fixtures/offering.ts';

const berth: BerthObject = {
  apiVersion: 'berth.dev/v1alpha1',
  kind: 'Berth',
  metadata: { name: 'runner', namespace: 'ci', uid: 'b0b0b0b0-1111-2222-3333-444455556666' },
  spec: {
    pod: { name: 'runner', namespace: 'ci', uid: '6f1c2d3e-4b5a-4c6d-8e7f-001122334455' },
    policy: 'default',
    fallbacks: [],
    explanation: '',
    node: { rootVolumeGiB: 45, maxPods: 6 },
  },
};

const options = { cloud: 'aws' as const, allocatableOf: nodeAllocatable, launchedAt: '2026-01-01T00:00:00Z' };

describe('node settings from the decision to the machine', () => {
  it('the claim carries the root volume and maxPods the Berth recorded', () => {
    const c = claimFor(berth, testOffering({ maxPods: 29 }), 0, 'berth');
    expect(c.node).toEqual({ rootVolumeGiB: 45, maxPods: 6 });
  });

  it('a fallback machine that takes fewer pods gets its own limit', () => {
    const c = claimFor(berth, testOffering({ instanceType: 't3.micro', maxPods: 4 }), 1, 'berth');
    expect(c.node).toEqual({ rootVolumeGiB: 45, maxPods: 4 });
  });

  it('a serverless offering gets no node settings, nor does a Berth that recorded none', () => {
    expect(claimFor(berth, testOffering({ capacityType: 'serverless' }), 0, 'berth').node).toBeUndefined();
    const bare = { ...berth, spec: { ...berth.spec, node: undefined } };
    expect(claimFor(bare, testOffering(), 0, 'berth').node).toBeUndefined();
  });

  it("the local provider's Node has the claim's disk as ephemeral-storage capacity and its maxPods", () => {
    const claim: Claim = claimFor(berth, testOffering({ maxPods: 29 }), 0, 'berth');
    const node = nodeFor(claim, options);
    expect(node.status?.capacity?.['ephemeral-storage']).toBe('45Gi');
    expect(node.status?.capacity?.pods).toBe('6');
    expect(node.status?.allocatable?.pods).toBe('6');
    // 90% of the volume, past the kubelet's nodefs eviction margin: room for the pod's 30Gi.
    const allocatable = parseQuantity(
      node.status?.allocatable?.['ephemeral-storage'] ?? '0',
      'ephemeral-storage',
    );
    expect(allocatable).toBe(Math.floor(45 * GiB * 0.9));
    expect(allocatable).toBeGreaterThanOrEqual(30 * GiB);
  });

  it('without node settings, the Node is the default 20 GiB machine with the ENI maximum', () => {
    const bare = { ...berth, spec: { ...berth.spec, node: undefined } };
    const node = nodeFor(claimFor(bare, testOffering({ maxPods: 29 }), 0, 'berth'), options);
    expect(node.status?.allocatable?.['ephemeral-storage']).toBe('18Gi');
    expect(node.status?.capacity?.pods).toBe('29');
  });
});
