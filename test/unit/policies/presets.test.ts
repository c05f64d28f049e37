import { describe, expect, it } from 'vitest';
import { loadPreset, presetNames, presetText } from '../../../policies/presets.ts';
import { parsePolicyDocuments, resolvePolicy } from '../../../policies/validate.ts';
import { InputError } from '../../../src/model/index.ts';

describe('presets', () => {
  it('ships the six documented presets', () => {
    expect(presetNames()).toEqual([
      'ci-burst',
      'cost-optimized',
      'default',
      'ml-gpu',
      'on-demand-only',
      'strict-isolation',
    ]);
  });
  it.each(presetNames())('%s validates, is named like its file, and says who it is for', (name) => {
    const text = presetText(name);
    expect(text.startsWith(`# ${name}: for `)).toBe(true);
    const [policy] = parsePolicyDocuments(text, name);
    expect(policy?.name).toBe(name);
    expect(loadPreset(name)).toEqual(policy);
  });
  it('default is exactly the defaults', () => {
    expect(loadPreset('default')).toEqual(resolvePolicy('default', {}));
  });
  it('presets differ where they promise to', () => {
    expect(loadPreset('on-demand-only').capacityTypes).toEqual(['on-demand']);
    expect(loadPreset('strict-isolation').excludeFamilies).toContain('t3');
    expect(loadPreset('ml-gpu').maxInterruptionBand).toBeLessThan(4);
    expect(loadPreset('ci-burst').rightSizing.headroomPercent).toBeGreaterThan(0);
    expect(loadPreset('cost-optimized').rightSizing.headroomPercent).toBe(0);
  });
  it('names the choices for an unknown preset', () => {
    expect(() => loadPreset('cheapest')).toThrow(InputError);
    expect(() => loadPreset('cheapest')).toThrow(/unknown preset "cheapest" \(expected one of: ci-burst, /);
  });
});
