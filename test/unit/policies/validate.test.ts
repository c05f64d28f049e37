import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { policyDocument } from '../../../policies/to-spec.ts';
import { parsePolicyDocuments, POLICY_DEFAULTS, resolvePolicy } from '../../../policies/validate.ts';
import { GiB, InputError } from '../../../src/model/index.ts';
import { inputErrorOf } from '../../fixtures/input-error.ts';

const doc = (name: string, spec: string) =>
  `apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: ${name}\nspec:\n${spec}`;

const errorOf = (fn: () => unknown): string => inputErrorOf(fn).message;

describe('resolvePolicy', () => {
  it('fills every default', () => {
    const p = resolvePolicy('x', {});
    expect(p).toEqual({
      name: 'x',
      clouds: POLICY_DEFAULTS.clouds,
      capacityTypes: POLICY_DEFAULTS.capacityTypes,
      excludeFamilies: [],
      architectures: POLICY_DEFAULTS.architectures,
      spotRiskWeight: 1,
      maxInterruptionBand: 4,
      isolation: 'dedicated',
      rootVolume: { min: 20 * GiB, max: 1024 * GiB },
      burstable: true,
      rightSizing: {
        mode: 'request',
        headroomPercent: 0,
        min: {},
        max: {},
        upsizeForHeadroom: false,
        maxCpuTrimPercent: 0,
      },
    });
  });
  it('keeps what the spec says, in canonical units and lower case', () => {
    const p = resolvePolicy('x', {
      clouds: ['gcp'],
      regions: ['us-central1'],
      instanceFamilies: { include: ['N2'], exclude: ['E2'] },
      instanceTypePattern: 'n2-.*',
      gpuModels: ['A100'],
      maxPricePerHour: 3,
      spot: { riskWeight: 2 },
      rightSizing: {
        mode: 'request',
        headroomPercent: 15,
        min: { cpu: '250m' },
        max: { memory: '4Gi' },
        upsizeForHeadroom: true,
        shapeFit: { maxCpuTrimPercent: 3 },
      },
    });
    expect(p.clouds).toEqual(['gcp']);
    expect(p.regions).toEqual(['us-central1']);
    expect(p.includeFamilies).toEqual(['n2']);
    expect(p.excludeFamilies).toEqual(['e2']);
    expect(p.gpuModels).toEqual(['a100']);
    expect(p.instanceTypePattern?.test('n2-standard-4')).toBe(true);
    expect(p.instanceTypePattern?.test('xn2-standard-4')).toBe(false); // anchored
    expect(p.maxPricePerHour).toBe(3);
    expect(p.spotRiskWeight).toBe(2);
    expect(p.maxInterruptionBand).toBe(4);
    expect(p.rightSizing).toEqual({
      mode: 'request',
      headroomPercent: 15,
      min: { cpu: 250 },
      max: { memory: 4 * GiB },
      upsizeForHeadroom: true,
      maxCpuTrimPercent: 3,
    });
  });
  it('rejects rightSizing.mode vpa, which berth does not read yet, naming the field', () => {
    // As a PlacementPolicy from the cluster arrives: untyped JSON.
    const spec = JSON.parse('{"rightSizing":{"mode":"vpa"}}');
    const message = errorOf(() => resolvePolicy('ci', spec));
    expect(message).toContain('PlacementPolicy/ci');
    expect(message).toContain('spec.rightSizing.mode');
  });
  it('rejects a bad spec naming the object and every bad field', () => {
    const message = errorOf(() =>
      resolvePolicy('ci', {
        rightSizing: { min: { cpu: '2' }, max: { cpu: '1' } },
        isolation: 'shared-namespace',
      }),
    );
    expect(message).toContain('PlacementPolicy/ci');
    expect(message).toContain('spec.isolation: shared-namespace is reserved and not supported yet');
    expect(message).toContain('spec.rightSizing.min.cpu: expected at most rightSizing.max.cpu (1), got 2');
  });
  it('round-trips through the spec it shows', () => {
    const p = resolvePolicy('x', {
      zones: ['us-east-1a'],
      instanceTypePattern: 'm[56]\\..*',
      maxPricePerHour: 1,
    });
    const again = resolvePolicy('x', policyDocument(p).spec);
    expect(again).toEqual(p);
  });
});

describe('parsePolicyDocuments', () => {
  it('reads one or many documents', () => {
    const text = `${doc('a', '  clouds: [aws]\n')}---\n${doc('b', '  capacityTypes: [spot]\n')}---\n`;
    const policies = parsePolicyDocuments(text, 'p.yaml');
    expect(policies.map((p) => p.name)).toEqual(['a', 'b']);
    expect(policies[0]?.clouds).toEqual(['aws']);
    expect(policies[1]?.capacityTypes).toEqual(['spot']);
  });
  it('treats a missing spec as all defaults', () => {
    const [p] = parsePolicyDocuments(
      'apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: d}\n',
      'd.yaml',
    );
    expect(p).toEqual(resolvePolicy('d', {}));
  });
  it('names document, object and field for each schema error, and reports them all', () => {
    const text = doc(
      'ci',
      [
        '  clouds: [aws, ibm]',
        '  spot:',
        '    maxInterruptionBand: 7',
        '    colour: red',
        '  rightSizing:',
        '    headroomPercent: lots',
        '  bogus: 1',
        '',
      ].join('\n'),
    );
    const message = errorOf(() => parsePolicyDocuments(text, 'p.yaml'));
    const at = 'p.yaml document 1: PlacementPolicy/ci: ';
    expect(message).toContain('p.yaml: 5 problems found');
    expect(message).toContain(`${at}spec.clouds[1]: expected one of aws, gcp, azure, got "ibm"`);
    expect(message).toContain(
      `${at}spec.spot.maxInterruptionBand: expected integer less or equal to 4, got 7`,
    );
    expect(message).toContain(
      `${at}spec.spot.colour: unknown field (expected one of: riskWeight, maxInterruptionBand)`,
    );
    expect(message).toContain(`${at}spec.rightSizing.headroomPercent: expected number, got "lots"`);
    expect(message).toMatch(/spec\.bogus: unknown field \(expected one of: clouds, regions/);
  });
  it('checks what the schema cannot: pattern, quantities, bounds, empty lists, isolation', () => {
    const text = doc(
      'x',
      [
        '  instanceTypePattern: "m5.(large"',
        '  regions: []',
        '  isolation: shared-namespace',
        '  rightSizing:',
        '    min: {cpu: "4", memory: 2Qi}',
        '    max: {cpu: "2"}',
        '',
      ].join('\n'),
    );
    const message = errorOf(() => parsePolicyDocuments(text, 'x.yaml'));
    const at = 'x.yaml document 1: PlacementPolicy/x: ';
    expect(message).toContain(`${at}spec.instanceTypePattern: expected a regular expression`);
    expect(message).toContain(`${at}spec.regions: an empty list allows nothing`);
    expect(message).toContain(`${at}spec.isolation: shared-namespace is reserved and not supported yet`);
    expect(message).toMatch(/spec\.rightSizing\.min\.memory: "2Qi" is not a Kubernetes quantity/);
    expect(message).toContain(
      `${at}spec.rightSizing.min.cpu: expected at most rightSizing.max.cpu (2), got 4`,
    );
  });
  it('checks apiVersion, kind, name and top-level fields, per document', () => {
    const text = [
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\nextra: 1',
      doc('ok', '  clouds: [gcp]\n'),
      doc('ok', '  clouds: [aws]\n'),
      '- a list',
    ].join('\n---\n');
    const message = errorOf(() => parsePolicyDocuments(text, 'm.yaml'));
    expect(message).toContain(
      'm.yaml document 1: PlacementPolicy/Bad_Name: apiVersion: expected berth.dev/v1alpha1, got "v1"',
    );
    expect(message).toContain(
      'm.yaml document 1: PlacementPolicy/Bad_Name: kind: expected PlacementPolicy, got "ConfigMap"',
    );
    expect(message).toContain(
      "metadata.name: expected a lower-case DNS name (a-z, 0-9, '-', '.'), got \"Bad_Name\"",
    );
    expect(message).toContain('m.yaml document 1: PlacementPolicy/Bad_Name: extra: unknown field');
    expect(message).toContain(
      'm.yaml document 3: PlacementPolicy/ok: metadata.name: ok is defined twice in this file',
    );
    expect(message).toContain(
      'm.yaml document 4: PlacementPolicy/(unnamed): (document): expected a PlacementPolicy map, got a list',
    );
    expect(message).not.toContain('document 2');
  });
  it('reports YAML syntax errors and empty files without a stack trace', () => {
    expect(errorOf(() => parsePolicyDocuments('spec: [1\n', 's.yaml'))).toMatch(
      /^s\.yaml: 1 problem found:\n {2}s\.yaml document 1: YAML syntax error: /,
    );
    expect(errorOf(() => parsePolicyDocuments('', 'e.yaml'))).toBe(
      'e.yaml: no PlacementPolicy documents found (the file is empty)',
    );
    expect(errorOf(() => parsePolicyDocuments('---\n# nothing\n', 'e.yaml'))).toMatch(
      /no PlacementPolicy documents/,
    );
  });
  it('never throws anything but an InputError, whatever the document holds', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (spec, metadata) => {
        const text = stringify({ apiVersion: 'berth.dev/v1alpha1', kind: 'PlacementPolicy', metadata, spec });
        try {
          parsePolicyDocuments(text, 'r.yaml');
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
        }
      }),
      { numRuns: 300 },
    );
  });
});
