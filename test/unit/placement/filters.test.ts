import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { GiB, InputError, MiB } from '../../../src/model/index.ts';
import {
  checkArch,
  checkAvailable,
  checkCapacityType,
  checkCloud,
  checkFamily,
  checkFit,
  checkGpu,
  checkInstanceType,
  checkMaxPrice,
  checkRegion,
  checkSelector,
  checkSpotBand,
  checkZone,
  compileNodeConstraint,
  gpuResourceOf,
  narrowsRegions,
  pinnedZones,
  termAllowsRegion,
  zoneInRegion,
} from '../../../src/placement/filters.ts';
import { offering, policy } from './solver-fixtures.ts';

const m5 = offering({ instanceType: 'm5.large', pricePerHour: 0.096, zone: 'us-east-1a' });
const regional = offering({ instanceType: 'm5.large', pricePerHour: 0.096 });
const g4 = offering({
  instanceType: 'g4dn.xlarge',
  pricePerHour: 0.526,
  gpu: { count: 1, model: 't4', memoryMiB: 16384 },
});

describe('checkFit', () => {
  const alloc = { cpu: 1900, memory: 7 * GiB, pods: 110 };
  it('passes when every resource is covered', () => {
    expect(checkFit({ cpu: 1900, memory: 7 * GiB }, alloc, undefined)).toBeUndefined();
  });
  it('names the first resource that falls short, with both amounts', () => {
    expect(checkFit({ cpu: 1901, memory: GiB }, alloc, undefined)).toEqual({
      reason: 'too-small',
      rule: 'cpu',
      wanted: 1901,
      actual: 1900,
    });
    expect(checkFit({ cpu: 100, memory: 8 * GiB }, alloc, undefined)?.rule).toBe('memory');
  });
  it('treats a resource the node lacks as zero, and ignores zero needs', () => {
    expect(checkFit({ 'example.com/fpga': 1 }, alloc, undefined)?.rule).toBe('example.com/fpga');
    expect(checkFit({ 'example.com/fpga': 0 }, alloc, undefined)).toBeUndefined();
  });
  it('compares GPUs by count, across vendor resource names', () => {
    const t4 = { count: 1, model: 't4', memoryMiB: 16384 };
    const mi300x = { count: 8, model: 'mi300x', memoryMiB: 196608 };
    expect(checkFit({ 'nvidia.com/gpu': 1 }, alloc, t4)).toBeUndefined();
    expect(checkFit({ 'nvidia.com/gpu': 2 }, alloc, t4)).toMatchObject({
      rule: 'nvidia.com/gpu',
      wanted: 2,
      actual: 1,
    });
    expect(checkFit({ 'amd.com/gpu': 1 }, alloc, undefined)?.rule).toBe('amd.com/gpu');
    expect(checkFit({ 'amd.com/gpu': 8 }, alloc, mi300x)).toBeUndefined();
  });
  it('never offers one vendor’s GPUs for the other’s resource', () => {
    const v520 = { count: 1, model: 'v520', memoryMiB: 8192 };
    expect(checkFit({ 'nvidia.com/gpu': 1 }, alloc, v520)).toMatchObject({
      rule: 'nvidia.com/gpu',
      actual: 0,
    });
    expect(checkFit({ 'amd.com/gpu': 1 }, alloc, v520)).toBeUndefined();
    expect(gpuResourceOf('a100')).toBe('nvidia.com/gpu');
    expect(gpuResourceOf('mi25')).toBe('amd.com/gpu');
  });
});

describe('machine rules', () => {
  it('keeps pods without GPUs off GPU machines', () => {
    expect(checkGpu(0, g4, policy())).toMatchObject({ reason: 'gpu', rule: 'unused-gpu' });
    expect(checkGpu(1, g4, policy())).toBeUndefined();
    expect(checkGpu(0, m5, policy())).toBeUndefined();
  });
  it('allows only the policy GPU models', () => {
    expect(checkGpu(1, g4, policy({ gpuModels: ['a100'] }))).toMatchObject({
      rule: 'gpuModels',
      actual: 't4',
    });
    expect(checkGpu(1, g4, policy({ gpuModels: ['a100', 't4'] }))).toBeUndefined();
  });
  it('checks the architecture', () => {
    const arm = offering({ instanceType: 'm7g.large', pricePerHour: 0.08, arch: 'arm64' });
    expect(checkArch(arm, policy({ architectures: ['amd64'] }))).toMatchObject({
      reason: 'arch',
      actual: 'arm64',
    });
    expect(checkArch(arm, policy())).toBeUndefined();
  });
});

describe('policy rules', () => {
  it('cloud and capacity type', () => {
    expect(checkCloud(m5, policy({ clouds: ['gcp'] }))).toMatchObject({ reason: 'policy', rule: 'clouds' });
    expect(checkCloud(m5, policy({ clouds: ['aws'] }))).toBeUndefined();
    expect(checkCapacityType(m5, policy({ capacityTypes: ['spot'] }))?.rule).toBe('capacityTypes');
    expect(checkCapacityType(m5, policy({ capacityTypes: ['on-demand'] }))).toBeUndefined();
  });
  it('region', () => {
    expect(checkRegion(m5, policy({ regions: ['eu-west-1'] }))).toMatchObject({
      rule: 'regions',
      actual: 'us-east-1',
    });
    expect(checkRegion(m5, policy({ regions: ['us-east-1'] }))).toBeUndefined();
  });
  it('zone: a zonal offering must be listed, a regional one needs a listed zone in its region', () => {
    expect(checkZone(m5, policy({ zones: ['us-east-1b'] }))?.rule).toBe('zones');
    expect(checkZone(m5, policy({ zones: ['us-east-1a'] }))).toBeUndefined();
    expect(checkZone(regional, policy({ zones: ['us-east-1b'] }))).toBeUndefined();
    expect(checkZone(regional, policy({ zones: ['eu-west-1a'] }))?.rule).toBe('zones');
  });
  it('knows each cloud spells zones after the region', () => {
    expect(zoneInRegion('us-east-1a', 'us-east-1')).toBe(true);
    expect(zoneInRegion('us-central1-b', 'us-central1')).toBe(true);
    expect(zoneInRegion('eastus-2', 'eastus')).toBe(true);
    expect(zoneInRegion('us-east-10a', 'us-east-1')).toBe(false);
    expect(zoneInRegion('eastus2-1', 'eastus')).toBe(false);
  });
  it('families: include and exclude, case-insensitively', () => {
    const d = offering({
      instanceType: 'Standard_D2s_v5',
      family: 'Dsv5',
      pricePerHour: 0.1,
      cloud: 'azure',
    });
    expect(checkFamily(d, policy({ includeFamilies: ['dsv5'] }))).toBeUndefined();
    expect(checkFamily(d, policy({ includeFamilies: ['m5'] }))?.rule).toBe('instanceFamilies.include');
    expect(checkFamily(d, policy({ excludeFamilies: ['dsv5'] }))?.rule).toBe('instanceFamilies.exclude');
    expect(checkFamily(m5, policy({ excludeFamilies: ['dsv5'] }))).toBeUndefined();
  });
  it('instance type pattern (anchored by the policy resolver)', () => {
    expect(checkInstanceType(m5, policy({ instanceTypePattern: /^(?:m5\..*)$/ }))).toBeUndefined();
    expect(checkInstanceType(m5, policy({ instanceTypePattern: /^(?:m5)$/ }))?.rule).toBe(
      'instanceTypePattern',
    );
  });
  it('spot band, with an unpublished band counted as 3', () => {
    const spot = offering({
      instanceType: 'm5.large',
      capacityType: 'spot',
      pricePerHour: 0.03,
      interruption: { band: 2, label: '10-15%', maxPct: 16 },
    });
    expect(checkSpotBand(spot, policy({ maxInterruptionBand: 1 }))).toMatchObject({ wanted: 1, actual: 2 });
    expect(checkSpotBand(spot, policy({ maxInterruptionBand: 2 }))).toBeUndefined();
    const unknown = offering({ instanceType: 'n2-standard-2', capacityType: 'spot', pricePerHour: 0.02 });
    expect(checkSpotBand(unknown, policy({ maxInterruptionBand: 2 }))?.actual).toBe(3);
    expect(checkSpotBand(unknown, policy({ maxInterruptionBand: 3 }))).toBeUndefined();
    expect(checkSpotBand(m5, policy({ maxInterruptionBand: 0 }))).toBeUndefined();
  });
  it('max price', () => {
    expect(checkMaxPrice(0.2, policy({ maxPricePerHour: 0.1 }))).toMatchObject({ reason: 'over-max-price' });
    expect(checkMaxPrice(0.1, policy({ maxPricePerHour: 0.1 }))).toBeUndefined();
    expect(checkMaxPrice(99, policy())).toBeUndefined();
  });
  it('unavailable set', () => {
    expect(checkAvailable(m5, new Set([m5.id]))).toMatchObject({ reason: 'unavailable' });
    expect(checkAvailable(m5, new Set(['other']))).toBeUndefined();
    expect(checkAvailable(m5, undefined)).toBeUndefined();
  });
});

function affinity(...terms: { key: string; operator: string; values?: string[] }[][]): V1PodSpec {
  return {
    containers: [],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: terms.map((matchExpressions) => ({ matchExpressions })),
        },
      },
    },
  };
}

function selects(spec: V1PodSpec, o = m5): boolean {
  return checkSelector(o, compileNodeConstraint(spec)) === undefined;
}

describe('nodeSelector and required node affinity', () => {
  it('no constraint at all compiles to nothing', () => {
    expect(compileNodeConstraint({ containers: [] })).toBeUndefined();
  });
  it('nodeSelector over the well-known labels', () => {
    expect(selects({ containers: [], nodeSelector: { 'kubernetes.io/arch': 'amd64' } })).toBe(true);
    expect(selects({ containers: [], nodeSelector: { 'kubernetes.io/arch': 'arm64' } })).toBe(false);
    expect(selects({ containers: [], nodeSelector: { 'kubernetes.io/os': 'linux' } })).toBe(true);
    expect(selects({ containers: [], nodeSelector: { 'berth.dev/cloud': 'aws' } })).toBe(true);
    expect(selects({ containers: [], nodeSelector: { 'berth.dev/instance-family': 'm5' } })).toBe(true);
    expect(selects({ containers: [], nodeSelector: { 'berth.dev/capacity-type': 'spot' } })).toBe(false);
    expect(selects({ containers: [], nodeSelector: { 'team.example.com/pool': 'a' } })).toBe(false);
    expect(selects({ containers: [], nodeSelector: { 'berth.dev/gpu-model': 't4' } }, g4)).toBe(true);
  });
  it('In, NotIn, Exists, DoesNotExist', () => {
    const key = 'node.kubernetes.io/instance-type';
    expect(selects(affinity([{ key, operator: 'In', values: ['m5.large', 'c5.large'] }]))).toBe(true);
    expect(selects(affinity([{ key, operator: 'In', values: ['c5.large'] }]))).toBe(false);
    expect(selects(affinity([{ key, operator: 'NotIn', values: ['m5.large'] }]))).toBe(false);
    expect(selects(affinity([{ key: 'berth.dev/gpu-model', operator: 'NotIn', values: ['t4'] }]))).toBe(true);
    expect(selects(affinity([{ key: 'berth.dev/gpu-model', operator: 'Exists' }]))).toBe(false);
    expect(selects(affinity([{ key: 'berth.dev/gpu-model', operator: 'Exists' }]), g4)).toBe(true);
    expect(selects(affinity([{ key: 'berth.dev/gpu-model', operator: 'DoesNotExist' }]))).toBe(true);
  });
  it('Gt and Lt compare integer label values; non-integers never match', () => {
    // No well-known label is numeric but the zone of Azure, so use a label value that is.
    const azure = offering({
      instanceType: 'D2',
      cloud: 'azure',
      region: 'eastus',
      zone: '2',
      pricePerHour: 0.1,
    });
    const zone = 'topology.kubernetes.io/zone';
    expect(selects(affinity([{ key: zone, operator: 'Gt', values: ['1'] }]), azure)).toBe(true);
    expect(selects(affinity([{ key: zone, operator: 'Lt', values: ['2'] }]), azure)).toBe(false);
    expect(selects(affinity([{ key: zone, operator: 'Gt', values: ['1'] }]))).toBe(false);
  });
  it('ORs terms and ANDs the expressions within a term', () => {
    const arch = (v: string) => ({ key: 'kubernetes.io/arch', operator: 'In', values: [v] });
    const cloud = (v: string) => ({ key: 'berth.dev/cloud', operator: 'In', values: [v] });
    expect(selects(affinity([arch('arm64')], [cloud('aws')]))).toBe(true);
    expect(selects(affinity([arch('amd64'), cloud('gcp')]))).toBe(false);
    expect(selects(affinity([arch('amd64'), cloud('aws')]))).toBe(true);
  });
  it('ANDs the nodeSelector with every affinity term', () => {
    const spec = affinity([{ key: 'berth.dev/cloud', operator: 'In', values: ['aws'] }]);
    expect(selects({ ...spec, nodeSelector: { 'kubernetes.io/arch': 'arm64' } })).toBe(false);
    expect(selects({ ...spec, nodeSelector: { 'kubernetes.io/arch': 'amd64' } })).toBe(true);
  });
  it('matchFields and empty terms match no new node', () => {
    const fields: V1PodSpec = {
      containers: [],
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] },
            ],
          },
        },
      },
    };
    expect(selects(fields)).toBe(false);
    expect(selects(affinity([]))).toBe(false);
  });
  it('a regional offering meets a zone In when a listed zone is in its region', () => {
    const zone = 'topology.kubernetes.io/zone';
    expect(selects(affinity([{ key: zone, operator: 'In', values: ['us-east-1b'] }]), regional)).toBe(true);
    expect(selects(affinity([{ key: zone, operator: 'In', values: ['eu-west-1a'] }]), regional)).toBe(false);
    expect(selects(affinity([{ key: zone, operator: 'NotIn', values: ['eu-west-1a'] }]), regional)).toBe(
      true,
    );
    expect(selects(affinity([{ key: zone, operator: 'NotIn', values: ['us-east-1a'] }]), regional)).toBe(
      false,
    );
    expect(selects(affinity([{ key: zone, operator: 'Exists' }]), regional)).toBe(true);
    expect(selects(affinity([{ key: zone, operator: 'DoesNotExist' }]), regional)).toBe(false);
  });
  it('pins a regional offering to the zones the policy and the pod allow', () => {
    const zone = 'topology.kubernetes.io/zone';
    const spec = affinity([
      { key: zone, operator: 'In', values: ['us-east-1b', 'us-east-1c', 'eu-west-1a'] },
    ]);
    expect(pinnedZones(regional, policy(), compileNodeConstraint(spec))).toEqual([
      'us-east-1b',
      'us-east-1c',
    ]);
    expect(
      pinnedZones(regional, policy({ zones: ['us-east-1c', 'us-east-1d'] }), compileNodeConstraint(spec)),
    ).toEqual(['us-east-1c']);
    expect(pinnedZones(regional, policy(), undefined)).toBeUndefined();
    expect(pinnedZones(m5, policy({ zones: ['us-east-1a'] }), undefined)).toBeUndefined();
  });
  it('knows when only labels berth never sets could match', () => {
    const pool = { containers: [], nodeSelector: { 'team.example.com/pool': 'gpu' } };
    expect(compileNodeConstraint(pool)?.unsatisfiable).toBe(true);
    const notIn = affinity([{ key: 'team.example.com/pool', operator: 'DoesNotExist' }]);
    expect(compileNodeConstraint(notIn)?.unsatisfiable).toBe(false);
    expect(selects(notIn)).toBe(true);
    const either = affinity(
      [{ key: 'team.example.com/pool', operator: 'Exists' }],
      [{ key: 'kubernetes.io/os', operator: 'Exists' }],
    );
    expect(compileNodeConstraint(either)?.unsatisfiable).toBe(false);
  });
  it('tells which regions a term can match, from region and zone In', () => {
    const region = 'topology.kubernetes.io/region';
    const zone = 'topology.kubernetes.io/zone';
    const byZone = compileNodeConstraint(
      affinity([{ key: zone, operator: 'In', values: ['us-east-1b', '3'] }]),
    );
    const term = byZone?.terms[0] ?? [];
    expect(narrowsRegions(byZone)).toBe(true);
    expect(termAllowsRegion(term, 'us-east-1', new Set())).toBe(true);
    expect(termAllowsRegion(term, 'eu-west-1', new Set())).toBe(false);
    expect(termAllowsRegion(term, 'eastus', new Set(['1', '3']))).toBe(true); // a bare zone seen in that region
    const byRegion = compileNodeConstraint(
      affinity([{ key: region, operator: 'In', values: ['eu-west-1'] }]),
    );
    expect(termAllowsRegion(byRegion?.terms[0] ?? [], 'us-east-1', new Set())).toBe(false);
    const notIn = compileNodeConstraint(affinity([{ key: zone, operator: 'NotIn', values: ['us-east-1b'] }]));
    expect(narrowsRegions(notIn)).toBe(false);
    expect(narrowsRegions(undefined)).toBe(false);
  });
  it('reports which requirement failed', () => {
    const r = checkSelector(
      m5,
      compileNodeConstraint({ containers: [], nodeSelector: { 'kubernetes.io/arch': 'arm64' } }),
    );
    expect(r).toMatchObject({ reason: 'selector', rule: 'kubernetes.io/arch In arm64', actual: 'amd64' });
  });
  it('rejects a bad operator or values with the field named', () => {
    expect(() => compileNodeConstraint(affinity([{ key: 'a', operator: 'Near', values: ['x'] }]))).toThrow(
      /nodeSelectorTerms\[0\]\.matchExpressions\[0\]\.operator: expected one of In, NotIn/,
    );
    expect(() => compileNodeConstraint(affinity([{ key: 'a', operator: 'In' }]))).toThrow(InputError);
    expect(() => compileNodeConstraint(affinity([{ key: 'a', operator: 'Gt', values: ['x'] }]))).toThrow(
      /values: operator Gt needs exactly one integer value/,
    );
    expect(() => compileNodeConstraint(affinity([{ key: 'a', operator: 'Exists', values: ['x'] }]))).toThrow(
      /takes no values/,
    );
  });
  it('judges a constraint per shape only when it names no region or zone', () => {
    expect(
      compileNodeConstraint({ containers: [], nodeSelector: { 'kubernetes.io/arch': 'arm64' } })?.shapeOnly,
    ).toBe(true);
    expect(
      compileNodeConstraint({ containers: [], nodeSelector: { 'topology.kubernetes.io/zone': 'us-east-1a' } })
        ?.shapeOnly,
    ).toBe(false);
  });
  it('memory units stay canonical', () => {
    expect(checkFit({ memory: 512 * MiB }, { memory: 511 * MiB }, undefined)?.rule).toBe('memory');
  });
});
