import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type as T } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BERTH_CRD_FILE, CRD_DIR, generatedFiles, renderPolicyCrd } from '../../../deploy/generate-crds.ts';
import { SchemaConversionError, toStructuralSchema } from '../../../src/kube/crd-schema.ts';
import { BERTH_PHASES, PolicySpecSchema } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { testOffering } from '../../fixtures/offering.ts';

describe('toStructuralSchema', () => {
  it('turns a union of literals into an enum of one type, keeping the description', () => {
    const s = toStructuralSchema(
      T.Object({ mode: T.Union([T.Literal('a'), T.Literal('b')], { description: 'pick one' }) }),
    );
    expect(s.properties?.mode).toEqual({ type: 'string', description: 'pick one', enum: ['a', 'b'] });
  });

  it('turns a nullable union into enum plus nullable', () => {
    const s = toStructuralSchema(T.Union([T.Literal(1), T.Literal(2), T.Null()]));
    expect(s).toEqual({ type: 'number', enum: [1, 2], nullable: true });
  });

  it('writes exclusiveMinimum as a boolean beside minimum, as OpenAPI v3.0 does', () => {
    expect(toStructuralSchema(T.Number({ exclusiveMinimum: 0 }))).toEqual({
      type: 'number',
      minimum: 0,
      exclusiveMinimum: true,
    });
    expect(toStructuralSchema(T.Integer({ exclusiveMaximum: 10, minimum: 1 }))).toEqual({
      type: 'integer',
      minimum: 1,
      maximum: 10,
      exclusiveMaximum: true,
    });
  });

  it('drops additionalProperties: false, keeps a value schema, and marks free-form objects', () => {
    expect(toStructuralSchema(T.Object({ a: T.String() }, { additionalProperties: false }))).toEqual({
      type: 'object',
      properties: { a: { type: 'string' } },
      required: ['a'],
    });
    expect(toStructuralSchema(T.Record(T.String(), T.String()))).toMatchObject({
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    expect(toStructuralSchema(T.Object({}, { additionalProperties: true }))).toEqual({
      type: 'object',
      properties: {},
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('says uniqueItems the API server way (a set-typed list)', () => {
    expect(toStructuralSchema(T.Array(T.String(), { uniqueItems: true }))).toEqual({
      type: 'array',
      items: { type: 'string' },
      'x-kubernetes-list-type': 'set',
    });
  });

  it('refuses what a structural schema cannot say, naming the path', () => {
    const mixed = T.Object({ x: T.Union([T.String(), T.Number()]) });
    expect(() => toStructuralSchema(mixed)).toThrow(SchemaConversionError);
    expect(() => toStructuralSchema(mixed)).toThrow(/^x\.anyOf\[0\]/);
    expect(() => toStructuralSchema(T.Object({ y: T.Any() }))).toThrow(/^y: needs a single "type"/);
  });

  it('gives every node of the policy schema a type and uses no JSON Schema-only keywords', () => {
    const text = JSON.stringify(toStructuralSchema(PolicySpecSchema));
    expect(text).not.toMatch(/"anyOf"|"const"|"additionalProperties":false|"exclusiveMinimum":0/);
    const walk = (node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      const o = node as Record<string, unknown>;
      expect(typeof o.type).toBe('string');
      for (const child of Object.values((o.properties as Record<string, unknown>) ?? {})) walk(child);
      if (o.items) walk(o.items);
    };
    walk(toStructuralSchema(PolicySpecSchema));
  });
});

describe('committed CRDs', () => {
  it('equal what deploy/generate-crds.ts produces (run it after changing the policy schema)', () => {
    for (const { path, text } of generatedFiles()) {
      expect(readFileSync(path, 'utf8'), path).toBe(text);
    }
  });

  it('the PlacementPolicy CRD carries the policy enums, bounds and a status with conditions', () => {
    const crd = parse(renderPolicyCrd());
    const version = crd.spec.versions[0];
    const spec = version.schema.openAPIV3Schema.properties.spec;
    expect(spec.properties.clouds.items.enum).toEqual(['aws', 'gcp', 'azure']);
    expect(spec.properties.capacityTypes.items.enum).toEqual(['on-demand', 'spot', 'serverless']);
    expect(spec.properties.maxPricePerHour).toMatchObject({ minimum: 0, exclusiveMinimum: true });
    expect(version.subresources).toEqual({ status: {} });
    const conditions = version.schema.openAPIV3Schema.properties.status.properties.conditions;
    expect(conditions.items.required).toEqual(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
    expect(crd.spec.names.shortNames).toEqual(['pp']);
  });

  it('the Berth CRD allows every BerthPhase, Failed included, and kubectl get shows the phase and its reason', () => {
    const crd = parse(readFileSync(join(CRD_DIR, BERTH_CRD_FILE), 'utf8'));
    const version = crd.spec.versions[0];
    expect(BERTH_PHASES).toContain('Failed');
    expect(version.schema.openAPIV3Schema.properties.status.properties.phase.enum).toEqual([...BERTH_PHASES]);
    const columns = version.additionalPrinterColumns as {
      name: string;
      jsonPath: string;
      priority?: number;
    }[];
    const shown = columns.filter((c) => !c.priority).map((c) => `${c.name}=${c.jsonPath}`);
    expect(shown).toContain('Phase=.status.phase');
    expect(shown).toContain('Reason=.status.reason');
    // A string the engine rounds: kubectl prints a number column with every digit it has.
    expect(columns.find((c) => c.jsonPath === '.spec.offering.hourlyPrice')).toMatchObject({
      name: '$/Hour',
      type: 'string',
    });
    const placed = new PlacementEngine([]).placed(testOffering(), 0.1 + 0.2);
    expect(placed.hourlyPrice).toBe('0.3000');
    expect(placed.pricePerHour).toBe(0.1 + 0.2);
    expect(columns.find((c) => c.name === 'Message')).toMatchObject({
      jsonPath: '.status.message',
      priority: 1,
    });
  });
});
