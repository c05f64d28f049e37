import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { judgePolicy, parsePolicyDocuments, resolvePolicy } from '../../../policies/validate.ts';
import { InputError, onOfferOf, type PolicyFinding } from '../../../src/model/index.ts';
import { testOffering } from '../../fixtures/offering.ts';

// What an AWS us-east-1 controller buys: the embedded catalog, as `berth run` loads it.
const aws = onOfferOf(
  loadCatalog({ clouds: ['aws'], regions: ['us-east-1'], onWarning: () => {} }).offerings,
);

const errors = (f: PolicyFinding[]) => f.filter((x) => x.severity === 'error');
const warnings = (f: PolicyFinding[]) => f.filter((x) => x.severity === 'warning');
const fields = (f: PolicyFinding[]) => f.map((x) => x.field);

describe('judgePolicy against what is on offer', () => {
  it('rejects a zone, region or cloud no offering has, naming the field', () => {
    const zones = judgePolicy({ zones: ['mars-1a'] }, aws);
    expect(fields(errors(zones))).toEqual(['spec.zones[0]']);
    expect(errors(zones)[0]?.message).toMatch(/"mars-1a" is not on offer here.*us-east-1/);
    const clouds = judgePolicy({ clouds: ['gcp'] }, aws);
    expect(fields(errors(clouds))).toEqual(['spec.clouds[0]']);
    expect(errors(clouds)[0]?.message).toMatch(/clouds on offer: aws/);
    const regions = judgePolicy({ regions: ['us-east-1', 'us-est-2'] }, aws);
    expect(fields(errors(regions))).toEqual(['spec.regions[1]']);
    expect(errors(regions)[0]?.message).toMatch(/did you mean "us-east-1"/);
  });

  it('accepts what is on offer: a zone of a regional offering, a family and a GPU model sold here', () => {
    const ok = judgePolicy(
      {
        clouds: ['aws'],
        regions: ['us-east-1'],
        zones: ['us-east-1a', 'us-east-1b'],
        instanceFamilies: { include: ['m5', 'g4dn'] },
        gpuModels: ['t4'],
      },
      aws,
    );
    expect(ok).toEqual([]);
    // Without the offerings only the spec itself is judged: a made-up zone is not known to be wrong.
    expect(judgePolicy({ zones: ['mars-1a'] })).toEqual([]);
  });

  it('notes a family or GPU model not sold here as a warning when others in the list are, as an error when none is', () => {
    const some = judgePolicy({ gpuModels: ['t4', 'mi300x'] }, aws);
    expect(errors(some)).toEqual([]);
    expect(fields(warnings(some))).toEqual(['spec.gpuModels[1]']);
    const none = judgePolicy({ instanceFamilies: { include: ['Dsv5'] } }, aws);
    expect(fields(errors(none))).toEqual(['spec.instanceFamilies.include[0]']);
    const typo = judgePolicy({ instanceFamilies: { exclude: ['g4dnn', 'f1'] } }, aws);
    expect(warnings(typo).map((w) => `${w.field}: ${w.message}`)).toEqual([
      'spec.instanceFamilies.exclude[0]: "g4dnn" is not on offer here, so it excludes nothing; did you mean "g4dn"?',
    ]);
    // GPU models are one letter apart for real: a model not sold here gets no suggestion.
    const b100 = warnings(judgePolicy({ gpuModels: ['t4', 'b100'] }, aws));
    expect(b100.map((w) => w.field)).toEqual(['spec.gpuModels[1]']);
    expect(b100[0]?.message).toMatch(/^"b100" is not on offer here \(GPU models on offer: /);
    expect(b100[0]?.message).not.toMatch(/did you mean/);
  });

  it('rejects GPU models when the rest of the policy allows no GPU machine', () => {
    const f = judgePolicy({ gpuModels: ['t4'], instanceFamilies: { include: ['m5', 'c5'] } }, aws);
    expect(fields(errors(f))).toEqual(['spec.gpuModels']);
    expect(errors(f)[0]?.message).toMatch(/spec\.instanceFamilies allow no machine here with one of them/);
    const pattern = judgePolicy({ gpuModels: ['a100'], instanceTypePattern: 'm5\\..*' }, aws);
    expect(fields(errors(pattern))).toEqual(['spec.gpuModels']);
  });

  it('rejects fields that are each on offer but allow nothing together', () => {
    const offer = onOfferOf([
      testOffering({ arch: 'amd64', family: 'm5', instanceType: 'm5.large' }),
      testOffering({ arch: 'arm64', family: 'm7g', instanceType: 'm7g.large' }),
    ]);
    const f = judgePolicy({ architectures: ['arm64'], instanceFamilies: { include: ['m5'] } }, offer);
    expect(errors(f)).toEqual([
      expect.objectContaining({
        field: 'spec',
        message: expect.stringMatching(/spec\.architectures, spec\.instanceFamilies/),
      }),
    ]);
  });
});

describe('judgePolicy: contradictions within a spec', () => {
  it('rejects a family both included and excluded, and GPU models with only serverless allowed', () => {
    const f = judgePolicy({
      instanceFamilies: { include: ['m5', 'C5'], exclude: ['c5'] },
      capacityTypes: ['serverless'],
      gpuModels: ['t4'],
    });
    expect(fields(errors(f)).sort()).toEqual(['spec.gpuModels', 'spec.instanceFamilies.exclude[0]']);
    expect(() => resolvePolicy('p', { instanceFamilies: { include: ['m5'], exclude: ['m5'] } })).toThrow(
      /PlacementPolicy\/p: spec\.instanceFamilies\.exclude\[0\]: "m5" is also in instanceFamilies\.include/,
    );
  });

  it('warns about duplicates and spot settings without spot, and keeps the policy usable', () => {
    const spec = {
      zones: ['us-east-1a', 'us-east-1a'],
      gpuModels: ['T4', 't4'],
      capacityTypes: ['on-demand' as const],
      spot: { riskWeight: 2 },
    };
    const f = judgePolicy(spec);
    expect(errors(f)).toEqual([]);
    expect(fields(warnings(f))).toEqual(['spec.zones[1]', 'spec.gpuModels[1]', 'spec.spot']);
    expect(warnings(f)[0]?.message).toMatch(/listed twice \(also spec\.zones\[0\]\)/);
    expect(resolvePolicy('p', spec).zones).toEqual(['us-east-1a', 'us-east-1a']);
  });

  it('rejects a zone outside every allowed region, min above max and an absurd bound', () => {
    const f = judgePolicy({
      regions: ['us-east-1'],
      zones: ['us-west-2a'],
      rightSizing: { min: { cpu: '8' }, max: { cpu: '4', memory: '100Ei' } },
    });
    expect(fields(errors(f)).sort()).toEqual([
      'spec.rightSizing.max.memory',
      'spec.rightSizing.min.cpu',
      'spec.zones[0]',
    ]);
  });

  it('says "did you mean" for a near-miss of a field that names a resource, and of any other field', () => {
    const f = judgePolicy({ rightSizing: { max: { memroy: '4Gi' } }, zone: ['us-east-1a'] });
    const messages = errors(f).map((x) => `${x.field}: ${x.message}`);
    expect(messages).toContain(
      'spec.rightSizing.max.memroy: unknown field (expected one of: cpu, memory); did you mean "memory"?',
    );
    expect(messages.some((m) => /^spec\.zone: .*did you mean "zones"\?/.test(m))).toBe(true);
  });
});

describe('parsePolicyDocuments with the offerings', () => {
  const doc = (spec: string) =>
    `apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata:\n  name: p\nspec:\n${spec}`;

  it('fails on what is not on offer and passes warnings to the caller in the same form', () => {
    expect(() => parsePolicyDocuments(doc('  zones: [mars-1a]\n'), 'p.yaml', { onOffer: aws })).toThrow(
      InputError,
    );
    expect(() => parsePolicyDocuments(doc('  zones: [mars-1a]\n'), 'p.yaml', { onOffer: aws })).toThrow(
      /p\.yaml document 1: PlacementPolicy\/p: spec\.zones\[0\]: "mars-1a" is not on offer here/,
    );
    const seen: string[] = [];
    const [policy] = parsePolicyDocuments(doc('  regions: [us-east-1, us-east-1]\n'), 'p.yaml', {
      onOffer: aws,
      onWarning: (line) => seen.push(line),
    });
    expect(policy?.name).toBe('p');
    expect(seen).toEqual([
      'p.yaml document 1: PlacementPolicy/p: spec.regions[1]: "us-east-1" is listed twice (also spec.regions[0])',
    ]);
  });
});

describe('judgePolicy: names the schema knows but nothing here sells', () => {
  it('flags a capacity type or architecture not on offer, and leaves unknown names to the schema alone', () => {
    const onDemandAmd = onOfferOf([testOffering({ capacityType: 'on-demand', arch: 'amd64' })]);
    const spot = judgePolicy({ capacityTypes: ['spot'] }, onDemandAmd);
    expect(fields(errors(spot))).toEqual(['spec.capacityTypes[0]']);
    expect(errors(spot)[0]?.message).toMatch(
      /"spot" is not on offer here \(capacity types on offer: on-demand\)/,
    );
    const arm = judgePolicy({ architectures: ['amd64', 'arm64'] }, onDemandAmd);
    expect(errors(arm)).toEqual([]);
    expect(fields(warnings(arm))).toEqual(['spec.architectures[1]']);
    // `amazon` is not a cloud at all: one finding (the schema's), not two.
    expect(fields(judgePolicy({ clouds: ['amazon'] }, onDemandAmd))).toEqual(['spec.clouds[0]']);
  });
});
