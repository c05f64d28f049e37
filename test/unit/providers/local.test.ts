import { describe, expect, it } from 'vitest';
import type { Offering } from '../../../src/model/index.ts';
import { type CapacityFailureRule, createFailureRules } from '../../../providers/local/failures.ts';
import { createInterruptions } from '../../../providers/local/interruptions.ts';
import { nodeNameOf, providerIdFor, toQuantity } from '../../../providers/local/node-object.ts';
import { testOffering } from '../../fixtures/offering.ts';

function offering(overrides: Partial<Offering> = {}): Offering {
  return testOffering(overrides);
}

describe('local provider: node quantities and ids', () => {
  it('writes canonical amounts as Kubernetes quantities, rounding down', () => {
    expect(toQuantity('cpu', 2000)).toBe('2');
    expect(toQuantity('cpu', 1930.6)).toBe('1930m');
    expect(toQuantity('memory', 16 * 1024 ** 3)).toBe('16Gi');
    expect(toQuantity('memory', 3584 * 1024 ** 2)).toBe('3584Mi');
    expect(toQuantity('ephemeral-storage', 18 * 1024 ** 3 + 1024)).toBe(`${18 * 1024 ** 2 + 1}Ki`);
    expect(toQuantity('hugepages-2Mi', 1023)).toBe('1023');
    expect(toQuantity('nvidia.com/gpu', 8)).toBe('8');
    expect(toQuantity('memory', -5)).toBe('0');
  });

  it('reads the node name back from an instance id, and rejects ids that are not ours', () => {
    expect(nodeNameOf(providerIdFor('gcp', 'europe-west1', 'berth-abc-1'))).toBe('berth-abc-1');
    expect(nodeNameOf('aws:///us-east-1a/i-0123')).toBeUndefined();
    expect(nodeNameOf('local://aws/us-east-1')).toBeUndefined();
  });
});

describe('local provider: capacity failure rules', () => {
  it('fails matching launches `times` times, first matching rule first, leaving others alone', () => {
    const rules = createFailureRules([
      { capacityType: 'spot', reason: 'spot-limit', times: 1 },
      { instanceType: 'm5.large', reason: 'quota', times: 2 },
    ]);
    const spot = offering();
    const od = offering({ capacityType: 'on-demand' });
    const other = offering({ instanceType: 'c5.large', capacityType: 'on-demand' });
    expect(rules.take(other)?.reason).toBeUndefined();
    expect(rules.take(spot)?.reason).toBe('spot-limit');
    expect(rules.take(spot)?.reason).toBe('quota');
    expect(rules.take(od)?.reason).toBe('quota');
    expect(rules.take(spot)?.reason).toBeUndefined();
  });

  it('fails forever without times, never with times 0, and does not edit the caller’s rule', () => {
    const rule = { offeringId: offering().id, reason: 'insufficient-capacity' as const, times: 1 };
    const rules = createFailureRules<CapacityFailureRule>([{ reason: 'unsupported', times: 0 }, rule]);
    expect(rules.take(offering())?.reason).toBe('insufficient-capacity');
    expect(rule.times).toBe(1);
    rules.add({ instanceType: 'm5.large', reason: 'quota' });
    for (let i = 0; i < 5; i++) expect(rules.take(offering())?.reason).toBe('quota');
    expect(() => rules.add({ reason: 'quota', times: 1.5 })).toThrow(RangeError);
  });
});

describe('local provider: interruptions', () => {
  it('tells every subscriber even when one throws, and reclaims once at the deadline', async () => {
    const reclaimed: string[] = [];
    const errors: unknown[] = [];
    const notices = createInterruptions({
      graceMs: 50,
      reclaim: async (id) => {
        reclaimed.push(id);
      },
      onError: (e) => errors.push(e),
      now: () => Date.parse('2025-01-01T00:00:00Z'),
    });
    const heard: string[] = [];
    notices.subscribe(() => {
      throw new Error('bad subscriber');
    });
    notices.subscribe((n) => heard.push(n.deadline));
    const first = notices.announce('local://aws/r/n', 'n', 'spot-interruption');
    const second = notices.announce('local://aws/r/n', 'n', 'spot-interruption');
    expect(first.deadline).toBe('2025-01-01T00:00:00.050Z');
    expect(second.deadline).toBe(first.deadline);
    expect(heard).toEqual([first.deadline, first.deadline]);
    expect(errors).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 120));
    expect(reclaimed).toEqual(['local://aws/r/n']);
  });

  it('does not reclaim after a rebalance, a cancel or close', async () => {
    const reclaimed: string[] = [];
    const notices = createInterruptions({
      graceMs: 30,
      reclaim: async (id) => {
        reclaimed.push(id);
      },
      onError: () => {},
    });
    notices.announce('a', 'a', 'rebalance');
    notices.announce('b', 'b', 'spot-interruption');
    notices.announce('c', 'c', 'spot-interruption');
    notices.cancel('b');
    notices.close();
    await new Promise((r) => setTimeout(r, 80));
    expect(reclaimed).toEqual([]);
  });
});
