import { describe, expect, it } from 'vitest';
import { validatePolicies } from '../../../src/cli/policy.ts';
import { InputError } from '../../../src/model/index.ts';

const doc = (spec: string) =>
  `apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: p\nspec:\n${spec}`;

describe('berth policy validate', () => {
  it('with --cloud/--region, rejects a zone and a cloud the embedded catalog does not sell there', () => {
    const text = doc('  zones: [mars-1a]\n  clouds: [gcp]\n');
    // Alone, the file says nothing impossible.
    expect(validatePolicies(text, 'p.yaml', {}, () => {}).map((p) => p.name)).toEqual(['p']);
    let message = '';
    try {
      validatePolicies(text, 'p.yaml', { cloud: 'aws', region: 'us-east-1' }, () => {});
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      message = (err as Error).message;
    }
    expect(message).toMatch(/PlacementPolicy\/p: spec\.zones\[0\]: "mars-1a" is not on offer here/);
    expect(message).toMatch(
      /PlacementPolicy\/p: spec\.clouds\[0\]: "gcp" is not on offer here \(clouds on offer: aws\)/,
    );
  });

  it('prints warnings and still passes the policy', () => {
    const warnings: string[] = [];
    const policies = validatePolicies(doc('  gpuModels: [t4, t4]\n'), 'p.yaml', {}, (w) => warnings.push(w));
    expect(policies.map((p) => p.name)).toEqual(['p']);
    expect(warnings).toEqual([
      'warning: p.yaml document 1: PlacementPolicy/p: spec.gpuModels[1]: "t4" is listed twice (also spec.gpuModels[0])',
    ]);
  });

  it('names --region when the catalog sells nothing there', () => {
    expect(() => validatePolicies(doc('  {}\n'), 'p.yaml', { region: 'mars-1' }, () => {})).toThrow(
      /--region: the embedded catalog sells nothing in mars-1/,
    );
  });
});
