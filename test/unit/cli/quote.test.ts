import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { loadPreset } from '../../../policies/presets.ts';
import { policyFor, quoteManifests } from '../../../src/cli/quote.ts';
import { GiB, InputError, MiB, type Offering } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import {
  checkArch,
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
  gpuCountOf,
} from '../../../src/placement/filters.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { effectivePrice } from '../../../src/placement/rank.ts';
import { rootVolumeGiB, rootVolumePricePerHour } from '../../../src/placement/root-volume.ts';
import { machinePrice } from '../../../src/placement/solver.ts';

const example = readFileSync(new URL('../../../examples/quote-gpu-pod.yaml', import.meta.url), 'utf8');
let offerings: Offering[];
let engine: PlacementEngine;

beforeAll(() => {
  offerings = loadCatalog({ onWarning: () => {} }).offerings;
  engine = new PlacementEngine(offerings);
});

describe('berth quote on examples/quote-gpu-pod.yaml', () => {
  it('computes the effective request: app + sidecar vs the init peak, plus overhead', () => {
    const [q] = quoteManifests(example, 'example', { engine });
    // trainer 3500m/14Gi + log-shipper sidecar 100m/128Mi beats fetch-dataset 2/4Gi; overhead 250m/256Mi on top.
    expect(q?.decision.sizing.podRequest).toEqual({
      cpu: 3500 + 100 + 250,
      memory: 14 * GiB + 128 * MiB + 256 * MiB,
      'nvidia.com/gpu': 1,
    });
    expect(q?.decision.sizing.need.pods).toBe(1);
    expect(q?.decision.policyName).toBe('ml-gpu'); // from the pod's annotation
  });

  it('chooses the cheapest offering of the catalog that fits and that ml-gpu allows', () => {
    const [q] = quoteManifests(example, 'example', { engine });
    const d = q!.decision;
    const policy = loadPreset('ml-gpu');
    const need = d.sizing.need;
    const constraint = compileNodeConstraint(q!.pod.spec);
    const allowed = offerings.filter(
      (o) =>
        o.capacityType !== 'serverless' &&
        !checkFit(need, nodeAllocatable(o), o.gpu) &&
        ![
          checkCloud(o, policy),
          checkCapacityType(o, policy),
          checkRegion(o, policy),
          checkZone(o, policy),
          checkGpu(gpuCountOf(need), o, policy),
          checkArch(o, policy),
          checkFamily(o, policy),
          checkInstanceType(o, policy),
          checkSpotBand(o, policy),
          checkMaxPrice(o.pricePerHour, policy),
          checkSelector(o, constraint),
        ].some(Boolean),
    );
    expect(allowed.length).toBeGreaterThan(0);
    // What is paid for a machine includes its root volume (GPU machines are never burstable).
    const disk = (o: Offering) => rootVolumePricePerHour(o.cloud, rootVolumeGiB(need, policy.rootVolume));
    const cheapest = Math.min(
      ...allowed.map((o) => effectivePrice(machinePrice(o.pricePerHour, disk(o), 0), o, policy)),
    );
    expect(d.chosen?.effectivePricePerHour).toBe(cheapest);
    expect(allowed.map((o) => o.id)).toContain(d.chosen?.offering.id);
    expect(d.chosen?.offering.gpu?.count).toBeGreaterThanOrEqual(1);
    expect(d.fallbacks.length).toBe(5);
    expect(d.explanation).toContain(d.chosen!.offering.instanceType);
  });

  it('lets --policy override the annotation, and rejects an annotation naming no preset', () => {
    const [q] = quoteManifests(example, 'example', { engine, policy: loadPreset('on-demand-only') });
    expect(q?.decision.policyName).toBe('on-demand-only');
    expect(q?.decision.chosen?.offering.capacityType).toBe('on-demand');
    const pod = {
      where: 'x.yaml document 1',
      kind: 'Pod',
      name: 'p',
      namespace: 'default',
      object: 'Pod/p',
      replicas: 1,
      specPath: 'spec',
      spec: { containers: [] },
      annotations: { 'berth.dev/policy': 'team-a' },
    };
    expect(() => policyFor(pod, undefined)).toThrow(InputError);
    expect(() => policyFor(pod, undefined)).toThrow(
      /^x\.yaml document 1: Pod\/p: metadata\.annotations\["berth\.dev\/policy"\]: "team-a" is not a built-in preset/,
    );
    expect(policyFor({ ...pod, annotations: {} }, undefined).name).toBe('default');
  });

  it('quotes a small Deployment on the default policy, and says why when nothing fits', () => {
    const text = [
      'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  template:\n    spec:\n      containers:\n        - name: web\n          resources: {requests: {cpu: 250m, memory: 256Mi}}',
      'apiVersion: v1\nkind: Pod\nmetadata: {name: huge}\nspec:\n  containers:\n    - name: x\n      resources: {requests: {cpu: "5000", memory: 1Ti}}',
    ].join('\n---\n');
    const [web, huge] = quoteManifests(text, 't.yaml', { engine });
    expect(web?.decision.chosen).toBeDefined();
    expect(web?.decision.policyName).toBe('default');
    expect(huge?.decision.chosen).toBeUndefined();
    expect(huge?.decision.explanation).toMatch(
      /^nothing fits cpu=5000 memory=1Ti pods=1 under policy default/,
    );
    expect(huge?.decision.nearestMisses.length).toBeGreaterThan(0);
  });
});
