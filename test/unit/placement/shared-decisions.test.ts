import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { offering, policy } from './solver-fixtures.ts';

const small = offering({ instanceType: 'c.large', cpu: 2000, memoryMiB: 4096, pricePerHour: 0.08 });
const big = offering({ instanceType: 'c.xlarge', cpu: 4000, memoryMiB: 8192, pricePerHour: 0.16 });

function pod(name: string, cpu = '500m', uid = `uid-${name}`): V1Pod {
  return {
    metadata: { namespace: 'ci', name, uid },
    spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu, memory: '1Gi' } } }] },
  };
}

describe('shared decisions for equal pods', () => {
  it("decides a Job's equal pods once, each still with its own Decision naming it", () => {
    const engine = new PlacementEngine([small, big]);
    const a = engine.decide(pod('a'), policy(), [], new Set());
    const b = engine.decide(pod('b'), policy(), [], new Set());
    expect(engine.sharedDecisions).toBe(1);
    expect(a.pod).toMatchObject({ name: 'a', uid: 'uid-a' });
    expect(b.pod).toMatchObject({ name: 'b', uid: 'uid-b' });
    expect(b.chosen?.offering.id).toBe(a.chosen?.offering.id);
    expect(b.explanation).toBe(a.explanation);
  });

  it('decides afresh when anything the decision reads differs', () => {
    const engine = new PlacementEngine([small, big]);
    engine.decide(pod('a'), policy(), [], new Set());
    const bigger = engine.decide(pod('b', '3'), policy(), [], new Set());
    expect(bigger.chosen?.offering.instanceType).toBe('c.xlarge');
    const refused = engine.decide(pod('c'), policy(), [], new Set([small.id]));
    expect(refused.chosen?.offering.instanceType).toBe('c.xlarge');
    const spotOnly = engine.decide(pod('d'), policy({ capacityTypes: ['spot'] }), [], new Set());
    expect(spotOnly.chosen).toBeUndefined();
    const withDaemonSet = engine.decide(
      pod('e'),
      policy(),
      // A DaemonSet that tolerates every taint follows the pod onto its node.
      [
        {
          tolerations: [{ operator: 'Exists' }],
          containers: [{ name: 'agent', image: 'i', resources: { requests: { cpu: '1600m' } } }],
        },
      ],
      new Set(),
    );
    expect(withDaemonSet.chosen?.offering.instanceType).toBe('c.xlarge');
    expect(engine.sharedDecisions).toBe(0);
  });

  it('forgets every decision when the catalog changes', () => {
    const engine = new PlacementEngine([small, big]);
    engine.decide(pod('a'), policy(), [], new Set());
    const cheaper = offering({ instanceType: 'c.medium', cpu: 2000, memoryMiB: 4096, pricePerHour: 0.05 });
    engine.replace([cheaper, big]);
    expect(engine.decide(pod('b'), policy(), [], new Set()).chosen?.offering.instanceType).toBe('c.medium');
    expect(engine.sharedDecisions).toBe(0);
  });

  it('never shares an error: each pod is named in its own', () => {
    const engine = new PlacementEngine([small, big]);
    const bad = (name: string): V1Pod => ({
      metadata: { namespace: 'ci', name },
      spec: { containers: [{ name: 'c', image: 'i', resources: { requests: { cpu: 'lots' } } }] },
    });
    expect(() => engine.decide(bad('x'), policy(), [], new Set())).toThrow(InputError);
    expect(() => engine.decide(bad('y'), policy(), [], new Set())).toThrow(/ci\/y/);
  });
});
