import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE, validCondition } from '../../../src/controller/policy-status.ts';
import { onOfferOf } from '../../../src/model/index.ts';
import { builtInPolicies } from '../../../src/runtime/runtime.ts';
import { testOffering } from '../../fixtures/offering.ts';

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

  it('judges the policy against what the controller can buy, naming the field', () => {
    const onOffer = onOfferOf([testOffering()]);
    const judge = (spec: object) =>
      validCondition({ name: 'p', spec, generation: 1 }, builtInPolicies, undefined, at, onOffer);
    expect(judge({ zones: ['mars-1a'] })).toMatchObject({
      status: 'False',
      reason: 'Invalid',
      message: expect.stringMatching(/^spec\.zones\[0\]: "mars-1a" is not on offer here/),
    });
    expect(judge({ clouds: ['gcp'] })?.message).toMatch(/^spec\.clouds\[0\]: "gcp" is not on offer here/);
    expect(judge({ zones: ['us-east-1a'] })?.status).toBe('True');
    // Without the offerings (nothing known yet) the same policy is only checked on its own.
    expect(
      validCondition({ name: 'p', spec: { zones: ['mars-1a'] } }, builtInPolicies, undefined, at)?.status,
    ).toBe('True');
  });

  it('keeps Valid True for warnings and lists them in the message', () => {
    const c = validCondition(
      { name: 'p', spec: { regions: ['us-east-1', 'us-east-1'] }, generation: 3 },
      builtInPolicies,
      undefined,
      at,
      onOfferOf([testOffering()]),
    );
    expect(c).toMatchObject({ status: 'True', reason: 'ValidWithWarnings' });
    expect(c?.message).toMatch(/warnings: spec\.regions\[1\]: "us-east-1" is listed twice/);
  });

  it('keeps the message inside what the API server stores, however many problems there are', () => {
    const zones = Array.from({ length: 2000 }, (_, i) => `mars-${i}a`);
    const c = validCondition(
      { name: 'p', spec: { zones }, generation: 1 },
      builtInPolicies,
      undefined,
      at,
      onOfferOf([testOffering()]),
    );
    expect(c?.status).toBe('False');
    expect(c?.message.length).toBeLessThanOrEqual(MAX_MESSAGE);
    expect(c?.message).toMatch(/^spec\.zones\[0\]: "mars-0a" is not on offer here/);
    expect(c?.message).toMatch(/more characters; berth policy validate lists everything\)$/);
  });
});
