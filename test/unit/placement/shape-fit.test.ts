import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadPreset } from '../../../policies/presets.ts';
import { CPU, type Policy } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { offering, policy as basePolicy } from './solver-fixtures.ts';

/**
 * The next-size-up cliff: a node keeps some CPU back (on AWS 70m of 2 vCPU,
 * 80m of 4), so a request of N CPU never fits an N-vCPU machine.
 */
const machines = [
  offering({ instanceType: 'm.large', cpu: 2000, memoryMiB: 8192, pricePerHour: 0.1 }),
  offering({ instanceType: 'm.xlarge', cpu: 4000, memoryMiB: 16384, pricePerHour: 0.2 }),
  offering({ instanceType: 'm.2xlarge', cpu: 8000, memoryMiB: 32768, pricePerHour: 0.4 }),
];

const engine = new PlacementEngine(machines);
/** Millicores a machine's node is short of a request of its own vCPU count. */
const kept = (i: number) => machines[i]!.cpu - (nodeAllocatable(machines[i]!)[CPU] ?? 0);

function rightSized(rightSizing: Partial<Policy['rightSizing']>): Policy {
  const p = basePolicy();
  return { ...p, rightSizing: { ...p.rightSizing, ...rightSizing } };
}

function pod(requests: Record<string, string>, limits?: Record<string, string>): V1PodSpec {
  return {
    containers: [{ name: 'build', image: 'b', resources: { requests, ...(limits ? { limits } : {}) } }],
  };
}

function choose(spec: V1PodSpec, p: Policy, shapeFit = false) {
  return engine.decide({ metadata: { namespace: 'ci', name: 'build' }, spec }, p, [], new Set(), undefined, {
    shapeFit,
  });
}

describe('headroom and minimums never buy the next size up unless the policy says so', () => {
  it('a 1800m pod with 10% headroom (1980m) stays on the 2-vCPU machine, which has room for its request', () => {
    expect(1980).toBeGreaterThan(2000 - kept(0));
    const d = choose(pod({ cpu: '1800m', memory: '1Gi' }), rightSized({ headroomPercent: 10 }));
    expect(d.sizing.need[CPU]).toBe(1980);
    expect(d.sizing.minimum[CPU]).toBe(1800);
    expect(d.chosen?.offering.instanceType).toBe('m.large');
  });

  it('with upsizeForHeadroom the same pod gets the 4-vCPU machine', () => {
    const d = choose(
      pod({ cpu: '1800m', memory: '1Gi' }),
      rightSized({ headroomPercent: 10, upsizeForHeadroom: true }),
    );
    expect(d.chosen?.offering.instanceType).toBe('m.xlarge');
  });

  it('a minimum above the request does not move a small pod either', () => {
    const d = choose(pod({ cpu: '250m', memory: '256Mi' }), rightSized({ min: { cpu: 3000 } }));
    expect(d.chosen?.offering.instanceType).toBe('m.large');
  });
});

describe('shape fit', () => {
  const fit = rightSized({ maxCpuTrimPercent: 5 });

  it('trims a 2-CPU request by what it falls short of the 2-vCPU machine, at creation, and says so in the why', () => {
    const d = choose(pod({ cpu: '2', memory: '1Gi' }), fit, true);
    expect(d.chosen?.offering.instanceType).toBe('m.large');
    expect(d.chosen?.cpuTrim).toBe(kept(0));
    expect(d.explanation).toContain(`CPU request trimmed by ${kept(0)}m to fit`);
  });

  it('never for a pod that exists already (its request can no longer change)', () => {
    const d = choose(pod({ cpu: '2', memory: '1Gi' }), fit, false);
    expect(d.chosen?.offering.instanceType).toBe('m.xlarge');
    expect(d.chosen?.cpuTrim).toBeUndefined();
  });

  it('never more than the policy allows', () => {
    expect(choose(pod({ cpu: '4', memory: '1Gi' }), fit, true).chosen?.cpuTrim).toBe(kept(1));
    const percent = ((kept(1) - 1) / 4000) * 100;
    const tight = choose(pod({ cpu: '4', memory: '1Gi' }), rightSized({ maxCpuTrimPercent: percent }), true);
    expect(tight.chosen?.offering.instanceType).toBe('m.2xlarge');
  });

  it('never memory: a pod short of memory on the smaller machine is not moved there', () => {
    const d = choose(pod({ cpu: '2', memory: '8Gi' }), fit, true);
    expect(d.chosen?.offering.instanceType).toBe('m.xlarge');
    expect(d.chosen?.cpuTrim).toBeUndefined();
  });

  it('never a Guaranteed pod: trimming its request would change its QoS class', () => {
    const d = choose(pod({ cpu: '2', memory: '1Gi' }, { cpu: '2', memory: '1Gi' }), fit, true);
    expect(d.chosen?.offering.instanceType).toBe('m.xlarge');
  });

  it('off by default, and the CI preset opts in at a few percent', () => {
    expect(basePolicy().rightSizing.maxCpuTrimPercent).toBe(0);
    expect(loadPreset('default').rightSizing.maxCpuTrimPercent).toBe(0);
    expect(loadPreset('ci-burst').rightSizing.maxCpuTrimPercent).toBeGreaterThan(0);
    expect(loadPreset('ci-burst').rightSizing.maxCpuTrimPercent).toBeLessThanOrEqual(5);
    expect(loadPreset('ci-burst').rightSizing.upsizeForHeadroom).toBe(false);
  });
});
