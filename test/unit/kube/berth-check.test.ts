import { readFileSync } from 'node:fs';
import type { Static } from '@sinclair/typebox';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { parse } from 'yaml';
import { berthProblem } from '../../../src/kube/berth-check.ts';
import { newBerth } from '../../../src/kube/berths.ts';
import { toStructuralSchema } from '../../../src/kube/crd-schema.ts';
import { BerthSpecSchema, BerthStatusSchema } from '../../../src/model/berth-schema.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import type { BerthObject, BerthSpec, BerthStatus, PlacedOffering } from '../../../src/model/index.ts';
import { testOffering } from '../../fixtures/offering.ts';

/** An offering as a Berth records it, with a zone. */
const offering: PlacedOffering = new PlacementEngine([]).placed(testOffering({ zone: 'us-east-1a' }));

function good(): BerthObject {
  return {
    ...newBerth(
      { metadata: { name: 'job-1', namespace: 'team', uid: 'u-1' } },
      {
        policy: 'default',
        offering,
        fallbacks: [offering],
        node: { rootVolumeGiB: 20, maxPods: 4 },
        explanation: 'cheapest',
        podLabels: { team: 'a' },
      },
    ),
    status: { phase: 'Bound', attempts: 1, nodeName: 'n', timestamps: { Bound: '2026-11-30T10:00:00Z' } },
  };
}

const REMOVE = Symbol('remove');

/** A copy of a good Berth with one field set (or removed), as `kubectl edit` might leave it. */
function edited(path: string, value: unknown): unknown {
  const b: unknown = JSON.parse(JSON.stringify(good()));
  const keys = path.split('.');
  let at = b as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  const last = keys[keys.length - 1] ?? '';
  if (value === REMOVE) delete at[last];
  else at[last] = value;
  return b;
}

describe('berthProblem', () => {
  it('accepts what the controller writes', () => {
    expect(berthProblem(good())).toBeUndefined();
    const { status: _, ...fresh } = good();
    expect(berthProblem(fresh)).toBeUndefined();
  });

  it.each([
    ['no spec', 'spec', REMOVE, /^Berth team\/job-1: spec: missing$/],
    ['no pod uid', 'spec.pod.uid', REMOVE, /spec\.pod\.uid: Expected required property/],
    ['an empty pod uid', 'spec.pod.uid', '', /spec\.pod\.uid: empty/],
    ['fallbacks not a list', 'spec.fallbacks', 'm5.large', /spec\.fallbacks: Expected array/],
    ['a price as a string', 'spec.offering.pricePerHour', '0.03', /spec\.offering\.pricePerHour/],
    ['an unknown cloud in a fallback', 'spec.fallbacks.0.cloud', 'ibm', /spec\.fallbacks\[0\]\.cloud/],
    ['a fractional maxPods', 'spec.node.maxPods', 2.5, /spec\.node\.maxPods: Expected integer/],
    ['an unknown phase', 'status.phase', 'Sailing', /status\.phase/],
    ['attempts as a string', 'status.attempts', '1', /status\.attempts/],
    ['a timestamp that is not one', 'status.timestamps.Bound', 'yesterday', /status\.timestamps\.Bound/],
    [
      'another pod',
      'spec.pod.name',
      'job-2',
      /spec\.pod: names pod team\/job-2, but a Berth is named after its pod \(team\/job-1\)/,
    ],
  ] as const)('names the object and the field: %s', (_, path, value, message) => {
    const problem = berthProblem(edited(path, value));
    expect(problem).toMatch(/^Berth team\/job-1: /);
    expect(problem).toMatch(message);
  });

  it('never throws, whatever it is given', () => {
    for (const v of [
      null,
      undefined,
      42,
      'berth',
      [],
      {},
      { metadata: { name: 'x' } },
      { metadata: 'x', spec: 1 },
    ]) {
      expect(berthProblem(v)).toMatch(/^Berth .*: metadata|spec/);
    }
  });
});

/** A schema without what does not validate (descriptions), with `required` in one order. */
function normalized(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(normalized);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === 'description') continue;
    out[k] = k === 'required' && Array.isArray(v) ? [...v].sort() : normalized(v);
  }
  return out;
}

describe('the Berth schema', () => {
  it('says what the hand-written CRD says', () => {
    const crd = parse(
      readFileSync(new URL('../../../deploy/crds/berth.dev_berths.yaml', import.meta.url), 'utf8'),
    );
    const props = crd.spec.versions[0].schema.openAPIV3Schema.properties;
    expect(normalized(toStructuralSchema(BerthSpecSchema))).toEqual(normalized(props.spec));
    expect(normalized(toStructuralSchema(BerthStatusSchema))).toEqual(normalized(props.status));
  });

  it('describes the same shape as the BerthSpec and BerthStatus types', () => {
    expectTypeOf<Static<typeof BerthSpecSchema>>().toEqualTypeOf<BerthSpec>();
    expectTypeOf<Static<typeof BerthStatusSchema>>().toEqualTypeOf<BerthStatus>();
  });
});
