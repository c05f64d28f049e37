import { describe, expect, it } from 'vitest';
import { policyToSpec } from '../../../policies/to-spec.ts';
import { judgePolicy, resolvePolicy } from '../../../policies/validate.ts';
import { GiB, InputError } from '../../../src/model/index.ts';

describe('policy: root volume bounds and burstable machines', () => {
  it('defaults to a 20Gi-1Ti root volume and allows burstable machines', () => {
    const p = resolvePolicy('x', {});
    expect(p.rootVolume).toEqual({ min: 20 * GiB, max: 1024 * GiB });
    expect(p.burstable).toBe(true);
  });

  it('takes the bounds as quantities and burstable: false', () => {
    const p = resolvePolicy('x', { rootVolume: { min: '50Gi', max: '200Gi' }, burstable: false });
    expect(p.rootVolume).toEqual({ min: 50 * GiB, max: 200 * GiB });
    expect(p.burstable).toBe(false);
    expect(policyToSpec(p)).toMatchObject({ rootVolume: { min: '50Gi', max: '200Gi' }, burstable: false });
  });

  it('names the field of a bad bound', () => {
    expect(() => resolvePolicy('x', { rootVolume: { min: '300Gi', max: '200Gi' } })).toThrow(InputError);
    const findings = (spec: unknown) => judgePolicy(spec).filter((f) => f.severity === 'error');
    expect(findings({ rootVolume: { min: '300Gi', max: '200Gi' } })).toEqual([
      {
        field: 'spec.rootVolume.min',
        message: 'expected at most rootVolume.max (200Gi), got 300Gi',
        severity: 'error',
      },
    ]);
    // Above the default maximum with no maximum given: the default is named.
    expect(findings({ rootVolume: { min: '2Ti' } })[0]?.message).toBe(
      'expected at most rootVolume.max (1Ti), got 2Ti',
    );
    expect(findings({ rootVolume: { max: '20Ti' } })[0]).toMatchObject({
      field: 'spec.rootVolume.max',
      message: 'expected at most 16Ti, got 20Ti',
    });
    expect(findings({ rootVolume: { max: 'lots' } })[0]?.field).toBe('spec.rootVolume.max');
    expect(findings({ burstable: 'no' })[0]?.field).toBe('spec.burstable');
  });
});
