import { describe, expect, it } from 'vitest';
import { validCondition } from '../../../src/controller/policy-status.ts';
import { builtInPolicies } from '../../../src/server/runtime.ts';

const at = () => '2026-11-24T00:00:00.000Z';

describe('validCondition', () => {
  it('is True for a policy berth can use, False with the reason for one it cannot', () => {
    const ok = validCondition(
      { name: 'ok', spec: { capacityTypes: ['spot'] }, generation: 1 },
      builtInPolicies,
      undefined,
      at,
    );
    expect(ok).toMatchObject({ type: 'Valid', status: 'True', observedGeneration: 1 });
    const bad = validCondition(
      { name: 'bad', spec: { instanceTypePattern: '(' }, generation: 2 },
      builtInPolicies,
      undefined,
      at,
    );
    expect(bad?.status).toBe('False');
    expect(bad?.message).toMatch(/instanceTypePattern/);
  });

  it('writes nothing when the verdict is unchanged, and keeps the transition time across generations', () => {
    const first = validCondition({ name: 'p', spec: {}, generation: 1 }, builtInPolicies, undefined, at)!;
    expect(
      validCondition({ name: 'p', spec: {}, generation: 1 }, builtInPolicies, first, at),
    ).toBeUndefined();
    const later = validCondition(
      { name: 'p', spec: {}, generation: 2 },
      builtInPolicies,
      first,
      () => 'later',
    )!;
    expect(later.lastTransitionTime).toBe(first.lastTransitionTime);
    expect(later.observedGeneration).toBe(2);
  });
});
