import type { V1NodeSelectorRequirement, V1PodSpec } from '@kubernetes/client-node';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Candidate, Offering, Policy, Resources, Sizing } from '../../../src/model/index.ts';
import { GiB, MiB } from '../../../src/model/index.ts';
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
  gpuCountOf,
} from '../../../src/placement/filters.ts';
import { formatPrice } from '../../../src/placement/explain.ts';
import { buildIndex } from '../../../src/placement/offering-index.ts';
import { compareCandidates, effectivePrice } from '../../../src/placement/rank.ts';
import { serverlessQuote, serverlessRejection } from '../../../src/placement/serverless.ts';
import { podFeatures } from '../../../src/placement/serverless-limits.ts';
import { decide, machinePrice, nodeSettingsFor } from '../../../src/placement/solver.ts';
import { burstCharge } from '../../../src/placement/burstable.ts';
import { rootVolumeGiB, rootVolumePricePerHour } from '../../../src/placement/root-volume.ts';
import { allocatable, fargate, noSpec, offering, pod, policy, sizing } from './solver-fixtures.ts';

const catalog: Offering[] = [
  offering({ instanceType: 't3.small', cpu: 2000, memoryMiB: 2048, pricePerHour: 0.0208 }),
  offering({ instanceType: 'c5.large', cpu: 2000, memoryMiB: 4096, pricePerHour: 0.085 }),
  offering({ instanceType: 'm5.large', cpu: 2000, memoryMiB: 8192, pricePerHour: 0.096 }),
  offering({
    instanceType: 'm5.large',
    cpu: 2000,
    memoryMiB: 8192,
    pricePerHour: 0.107,
    region: 'us-west-1',
  }),
  offering({ instanceType: 'm5.xlarge', cpu: 4000, memoryMiB: 16384, pricePerHour: 0.192 }),
  offering({ instanceType: 'm7g.large', cpu: 2000, memoryMiB: 8192, pricePerHour: 0.0816, arch: 'arm64' }),
  offering({
    instanceType: 'm5.large',
    capacityType: 'spot',
    zone: 'us-east-1a',
    pricePerHour: 0.04,
    interruption: { band: 1, label: '5-10%', maxPct: 11 },
  }),
  offering({
    instanceType: 'm5.large',
    capacityType: 'spot',
    zone: 'us-east-1b',
    pricePerHour: 0.038,
    interruption: { band: 4, label: '>20%', maxPct: 100 },
  }),
  offering({ instanceType: 'n2-standard-2', cloud: 'gcp', region: 'us-central1', pricePerHour: 0.0971 }),
  offering({
    instanceType: 'g4dn.xlarge',
    cpu: 4000,
    memoryMiB: 16384,
    pricePerHour: 0.526,
    gpu: { count: 1, model: 't4', memoryMiB: 16384 },
  }),
  offering({
    instanceType: 'p4d.24xlarge',
    cpu: 96000,
    memoryMiB: 1179648,
    pricePerHour: 32.77,
    gpu: { count: 8, model: 'a100', memoryMiB: 40960 },
  }),
  fargate(),
];
const index = buildIndex(catalog, allocatable);
/** What the default 20 GiB gp3 root volume adds to an AWS machine's hourly price. */
const AWS_DISK = (20 * 0.08) / 730;
const mid: Sizing = sizing({ cpu: 1500, memory: 6 * GiB });
const ids = (cs: readonly Candidate[]) => cs.map((c) => c.offering.instanceType + (c.offering.zone ?? ''));

describe('decide', () => {
  it('chooses the cheapest fitting offering by effective price', () => {
    const d = decide({ pod, sizing: mid, podSpec: noSpec, policy: policy(), index });
    // m5.large spot in 1b costs less but is weighted by 100%: 0.076 > 1a's 0.0444 (+ the disk).
    expect(d.chosen?.offering.zone).toBe('us-east-1a');
    expect(d.chosen?.effectivePricePerHour).toBeCloseTo((0.04 + AWS_DISK) * 1.11, 12);
    expect(d.policyName).toBe('test');
  });
  it('returns ranked fallbacks, cheapest first, as many as asked', () => {
    const d = decide({ pod, sizing: mid, podSpec: noSpec, policy: policy(), index, fallbacks: 3 });
    expect(ids(d.fallbacks)).toEqual(['m5.largeus-east-1b', 'm7g.large', 'm5.large']);
    const all = [d.chosen!, ...d.fallbacks];
    for (let i = 1; i < all.length; i++) expect(compareCandidates(all[i - 1]!, all[i]!)).toBeLessThan(0);
    expect(decide({ pod, sizing: mid, podSpec: noSpec, policy: policy(), index }).fallbacks).toHaveLength(5);
    expect(
      decide({ pod, sizing: mid, podSpec: noSpec, policy: policy(), index, fallbacks: 0 }).fallbacks,
    ).toEqual([]);
  });
  it('skips offerings in the unavailable set and moves down the list', () => {
    const first = decide({ pod, sizing: mid, podSpec: noSpec, policy: policy(), index });
    const next = decide({
      pod,
      sizing: mid,
      podSpec: noSpec,
      policy: policy(),
      index,
      unavailable: new Set([first.chosen!.offering.id]),
    });
    expect(next.chosen?.offering.id).toBe(first.fallbacks[0]?.offering.id);
    expect(next.rejected.unavailable).toBe(1);
  });
  it('follows the policy: on-demand amd64 only', () => {
    const p = policy({ capacityTypes: ['on-demand'], architectures: ['amd64'] });
    const d = decide({ pod, sizing: mid, podSpec: noSpec, policy: p, index });
    expect(d.chosen?.offering.instanceType).toBe('m5.large');
    expect(d.chosen?.offering.region).toBe('us-east-1');
    expect(d.rejected.arch).toBe(1);
    expect(d.explanation).toMatch(
      /^m5\.large on-demand aws us-east-1 at \$0\.0982\/h with a 20Gi root volume; runner-up n2-standard-2/,
    );
  });
  it('honours the pod nodeSelector', () => {
    const spec: V1PodSpec = { containers: [], nodeSelector: { 'kubernetes.io/arch': 'arm64' } };
    const d = decide({ pod, sizing: mid, podSpec: spec, policy: policy(), index });
    expect(d.chosen?.offering.instanceType).toBe('m7g.large');
  });
  it('looks only in the policy regions', () => {
    const p = policy({ regions: ['us-west-1'] });
    const d = decide({ pod, sizing: mid, podSpec: noSpec, policy: p, index });
    expect(d.chosen?.offering.region).toBe('us-west-1');
    expect(d.fallbacks).toEqual([]);
  });
  it('pins a regional offering to the zones the pod requires', () => {
    const spec: V1PodSpec = { containers: [], nodeSelector: { 'topology.kubernetes.io/zone': 'us-east-1c' } };
    const p = policy({ capacityTypes: ['on-demand'], architectures: ['amd64'] });
    const d = decide({ pod, sizing: mid, podSpec: spec, policy: p, index });
    expect(d.chosen?.offering.instanceType).toBe('m5.large');
    expect(d.chosen?.zones).toEqual(['us-east-1c']);
    expect(d.explanation).toContain('in us-east-1c');
  });
  it('prices serverless on the pod’s own request, rounded to a shape', () => {
    const small = sizing({ cpu: 250, memory: 2 * GiB }, { cpu: 250, memory: 256 * MiB });
    const d = decide({
      pod,
      sizing: small,
      podSpec: noSpec,
      policy: policy({ capacityTypes: ['serverless'] }),
      index,
    });
    expect(d.chosen?.serverlessShape).toEqual({ cpu: 250, memoryMiB: 512 });
    expect(d.chosen?.pricePerHour).toBeCloseTo(serverlessQuote(small.adjusted, fargate())!.pricePerHour, 12);
  });
  it('puts a GPU pod on a GPU machine and never a plain pod on one', () => {
    const gpu = decide({
      pod,
      sizing: sizing({ cpu: 2000, 'nvidia.com/gpu': 1 }),
      podSpec: noSpec,
      policy: policy(),
      index,
    });
    expect(gpu.chosen?.offering.instanceType).toBe('g4dn.xlarge');
    const big = decide({
      pod,
      sizing: sizing({ cpu: 3000, memory: 12 * GiB }),
      podSpec: noSpec,
      policy: policy(),
      index,
    });
    expect(big.chosen?.offering.instanceType).toBe('m5.xlarge');
    expect([big.chosen, ...big.fallbacks].some((c) => c?.offering.gpu)).toBe(false);
  });
  it('drops what costs more than maxPricePerHour', () => {
    const p = policy({ maxPricePerHour: 0.09, capacityTypes: ['on-demand'] });
    const d = decide({ pod, sizing: mid, podSpec: noSpec, policy: p, index });
    expect(d.chosen?.offering.instanceType).toBe('m7g.large');
  });

  describe('when nothing fits', () => {
    it('lists the offering ruled out by one rule first, and explains', () => {
      const p = policy({ capacityTypes: ['on-demand'], gpuModels: ['h100'] });
      const d = decide({
        pod,
        sizing: sizing({ cpu: 2000, 'nvidia.com/gpu': 1 }),
        podSpec: noSpec,
        policy: p,
        index,
      });
      expect(d.chosen).toBeUndefined();
      expect(d.fallbacks).toEqual([]);
      expect(d.nearestMisses[0]?.offering.instanceType).toBe('g4dn.xlarge');
      expect(d.nearestMisses[0]?.reasons).toEqual(['gpuModels allows h100, has t4']);
      expect(d.explanation).toMatch(
        /^nothing fits cpu=2 nvidia\.com\/gpu=1 under policy test: 2 rejected \(gpu 2\); nearest: g4dn\.xlarge/,
      );
    });
    it('lists the machines that came closest in size when the pod is too big for all', () => {
      const p = policy({ capacityTypes: ['on-demand', 'spot'] });
      const d = decide({
        pod,
        sizing: sizing({ cpu: 8000, memory: 8 * GiB }),
        podSpec: noSpec,
        policy: p,
        index,
      });
      expect(d.chosen).toBeUndefined();
      // Serverless would hold it but the policy rules it out: one rule, so it comes first.
      expect(d.nearestMisses[0]?.offering.instanceType).toBe('fargate');
      expect(d.nearestMisses[0]?.reasons).toEqual(['capacityTypes allows on-demand,spot, is serverless']);
      expect(d.nearestMisses[1]?.offering.instanceType).toBe('m5.xlarge');
      expect(d.nearestMisses[1]?.reasons[0]).toBe('too small: cpu needs 8, has 3.9');
      expect(d.rejected['too-small']).toBeGreaterThan(0);
      expect(d.explanation).toContain(
        'm5.xlarge on-demand aws us-east-1 $0.192/h (too small: cpu needs 8, has 3.9)',
      );
      const quoted = formatPrice(serverlessQuote({ cpu: 8000, memory: 8 * GiB }, fargate())!.pricePerHour);
      expect(d.explanation).toContain(`fargate serverless aws us-east-1 ${quoted} (capacityTypes`);
    });
    it('says so when nothing comes close', () => {
      const d = decide({
        pod,
        sizing: mid,
        podSpec: noSpec,
        policy: policy(),
        index: buildIndex([], allocatable),
      });
      expect(d.explanation).toBe(
        'nothing fits cpu=1500m memory=6Gi under policy test: none rejected; no offering comes close',
      );
    });
  });
});

// ---- properties over random catalogs and pods -----------------------------------

const TYPES = [
  { instanceType: 'a.small', family: 'a', cpu: 1000, memoryMiB: 2048, arch: 'amd64' as const },
  { instanceType: 'a.large', family: 'a', cpu: 4000, memoryMiB: 8192, arch: 'amd64' as const },
  { instanceType: 'b.large', family: 'b', cpu: 4000, memoryMiB: 16384, arch: 'arm64' as const },
  { instanceType: 'b.huge', family: 'b', cpu: 16000, memoryMiB: 65536, arch: 'arm64' as const },
  { instanceType: 'c.mega', family: 'c', cpu: 64000, memoryMiB: 262144, arch: 'amd64' as const },
  {
    instanceType: 'g.gpu1',
    family: 'g',
    cpu: 8000,
    memoryMiB: 32768,
    arch: 'amd64' as const,
    gpu: { count: 1, model: 't4', memoryMiB: 16384 },
  },
  {
    instanceType: 'g.gpu4',
    family: 'g',
    cpu: 32000,
    memoryMiB: 131072,
    arch: 'amd64' as const,
    gpu: { count: 4, model: 'a100', memoryMiB: 40960 },
  },
  {
    instanceType: 'g.amd2',
    family: 'g',
    cpu: 16000,
    memoryMiB: 65536,
    arch: 'amd64' as const,
    gpu: { count: 2, model: 'mi300x', memoryMiB: 196608 },
  },
  // Burstable, with real baselines: t3 pays credits above 400m/3200m, t2 is ruled out above 200m.
  {
    instanceType: 't3.small',
    family: 't',
    cpu: 2000,
    memoryMiB: 2048,
    arch: 'amd64' as const,
    burstable: true,
  },
  {
    instanceType: 't3.2xlarge',
    family: 't',
    cpu: 8000,
    memoryMiB: 32768,
    arch: 'amd64' as const,
    burstable: true,
  },
  {
    instanceType: 't2.small',
    family: 't',
    cpu: 1000,
    memoryMiB: 2048,
    arch: 'amd64' as const,
    burstable: true,
  },
];
const REGIONS = ['us-east-1', 'eu-west-1'];
const ZONES = ['us-east-1a', 'us-east-1b', 'eu-west-1a', '2'];

// Coarse prices, so ties (broken by id) happen often.
const price = fc.integer({ min: 1, max: 80 }).map((n) => n / 20);

const machine = fc
  .record({
    type: fc.constantFrom(...TYPES),
    cloud: fc.constantFrom('aws' as const, 'gcp' as const),
    region: fc.constantFrom(...REGIONS),
    // Zones spelled after the region (AWS, GCP) and bare ones (as Azure's could be).
    zoneLetter: fc.option(fc.constantFrom('a', 'b', '2')),
    capacityType: fc.constantFrom('on-demand' as const, 'spot' as const),
    band: fc.option(fc.integer({ min: 0, max: 4 })),
    price,
  })
  .map((r) =>
    offering({
      ...r.type,
      cloud: r.cloud,
      region: r.region,
      ...(r.zoneLetter ? { zone: r.zoneLetter === '2' ? '2' : `${r.region}${r.zoneLetter}` } : {}),
      capacityType: r.capacityType,
      ...(r.capacityType === 'spot' && r.band !== null
        ? { interruption: { band: r.band, label: `band ${r.band}`, maxPct: [5, 11, 16, 22, 100][r.band]! } }
        : {}),
      pricePerHour: r.price,
    }),
  );

const serverless = fc
  .record({ region: fc.constantFrom(...REGIONS), arch: fc.constantFrom('amd64' as const, 'arm64' as const) })
  .map((r) => fargate({ region: r.region, arch: r.arch }));

const catalogs = fc
  .tuple(
    fc.array(machine, { minLength: 5, maxLength: 80, size: 'medium' }),
    fc.array(serverless, { maxLength: 2 }),
  )
  .map(([m, s]) => {
    // Ids must be unique, as they are in a real catalog.
    const seen = new Map<string, Offering>();
    for (const o of [...m, ...s]) seen.set(o.id, o);
    return [...seen.values()];
  });

/** Present one time in four, so random policies and pods mostly allow something. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const pods = fc.record({
  cpu: fc.oneof(fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 40 })).map((n) => n * 500),
  memoryGiB: fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 80 })),
  gpus: fc.constantFrom(0, 0, 0, 0, 1, 2),
  gpuResource: fc.constantFrom('nvidia.com/gpu', 'nvidia.com/gpu', 'amd.com/gpu'),
  overheadGiB: fc.integer({ min: 0, max: 2 }),
  scratchGiB: fc.constantFrom(0, 0, 0, 12, 30, 90, 2000),
  pods: fc.integer({ min: 1, max: 4 }),
  selector: rarely(
    fc.constantFrom<Record<string, string>>(
      { 'kubernetes.io/arch': 'arm64' },
      { 'topology.kubernetes.io/zone': 'us-east-1b' },
      { 'berth.dev/cloud': 'gcp' },
      { 'topology.kubernetes.io/region': 'eu-west-1' },
      { 'topology.kubernetes.io/zone': '2' },
      { 'team.example.com/pool': 'gpu' },
    ),
  ),
  affinity: rarely(
    fc.constantFrom<V1NodeSelectorRequirement[]>(
      [{ key: 'node.kubernetes.io/instance-type', operator: 'NotIn', values: ['a.large'] }],
      [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['us-east-1a', 'eu-west-1a'] }],
      [{ key: 'berth.dev/capacity-type', operator: 'In', values: ['spot'] }],
      [
        { key: 'topology.kubernetes.io/region', operator: 'In', values: ['us-east-1'] },
        { key: 'topology.kubernetes.io/zone', operator: 'NotIn', values: ['us-east-1a'] },
      ],
      [{ key: 'team.example.com/pool', operator: 'DoesNotExist' }],
    ),
  ),
});

const policies = fc
  .record({
    clouds: fc.oneof(
      fc.constant(['aws', 'gcp'] as const),
      fc.subarray(['aws', 'gcp'] as const, { minLength: 1 }),
    ),
    capacityTypes: fc.oneof(
      fc.constant(['on-demand', 'spot', 'serverless'] as const),
      fc.subarray(['on-demand', 'spot', 'serverless'] as const, { minLength: 1 }),
    ),
    regions: rarely(fc.subarray(REGIONS, { minLength: 1 })),
    zones: rarely(fc.subarray(ZONES, { minLength: 1 })),
    architectures: fc.oneof(
      fc.constant(['amd64', 'arm64'] as const),
      fc.subarray(['amd64', 'arm64'] as const, { minLength: 1 }),
    ),
    include: rarely(fc.subarray(['a', 'b', 'g'], { minLength: 1 })),
    exclude: rarely(fc.subarray(['a', 'c'])),
    pattern: rarely(fc.constantFrom(/^(?:.*\.large)$/, /^(?:[ab]\..*)$/)),
    gpuModels: rarely(fc.subarray(['t4', 'a100', 'mi300x'], { minLength: 1 })),
    maxPrice: rarely(price),
    riskWeight: fc.constantFrom(0, 0.5, 1, 3),
    rootMaxGiB: rarely(fc.constantFrom(50, 100)),
    burstable: fc.constantFrom(true, true, false),
    band: fc.oneof(fc.constant(4), fc.integer({ min: 0, max: 4 })),
  })
  .map(
    (r): Policy =>
      policy({
        clouds: r.clouds,
        capacityTypes: r.capacityTypes,
        ...(r.regions ? { regions: r.regions } : {}),
        ...(r.zones ? { zones: r.zones } : {}),
        architectures: r.architectures,
        ...(r.include ? { includeFamilies: r.include } : {}),
        excludeFamilies: r.exclude ?? [],
        ...(r.pattern ? { instanceTypePattern: r.pattern } : {}),
        ...(r.gpuModels ? { gpuModels: r.gpuModels } : {}),
        ...(r.maxPrice !== undefined ? { maxPricePerHour: r.maxPrice } : {}),
        spotRiskWeight: r.riskWeight,
        burstable: r.burstable,
        ...(r.rootMaxGiB ? { rootVolume: { min: 20 * GiB, max: r.rootMaxGiB * GiB } } : {}),
        maxInterruptionBand: r.band,
      }),
  );

/** Every offering judged on every rule, no index, no early stop. */
function bruteForce(
  offerings: readonly Offering[],
  s: Sizing,
  spec: V1PodSpec,
  p: Policy,
  unavailable: ReadonlySet<string>,
): Candidate[] {
  const constraint = compileNodeConstraint(spec);
  const gpus = gpuCountOf(s.need);
  const out: Candidate[] = [];
  for (const o of offerings) {
    let paid: number;
    let shape: Candidate['serverlessShape'];
    if (o.capacityType === 'serverless') {
      if (serverlessRejection(s.adjusted, o, podFeatures(spec, s.daemonSets))) continue;
      const q = serverlessQuote(s.adjusted, o);
      if (!q) continue;
      paid = q.pricePerHour;
      shape = q.serverlessShape;
    } else {
      const node = nodeSettingsFor(o, rootVolumeGiB(s.need, p.rootVolume), s.need.pods ?? 1);
      if (checkFit(s.need, allocatable(o, node), o.gpu)) continue;
      const credits = burstCharge(o, s.need.cpu ?? 0, p);
      if (typeof credits !== 'number') continue;
      paid = machinePrice(
        o.pricePerHour,
        rootVolumePricePerHour(o.cloud, rootVolumeGiB(s.need, p.rootVolume)),
        credits,
      );
    }
    const rules = [
      checkCloud(o, p),
      checkCapacityType(o, p),
      checkRegion(o, p),
      checkZone(o, p),
      checkGpu(gpus, o, p),
      checkArch(o, p),
      checkFamily(o, p),
      checkInstanceType(o, p),
      checkSpotBand(o, p),
      checkMaxPrice(paid, p),
      checkSelector(o, constraint),
      checkAvailable(o, unavailable),
    ];
    if (rules.some((r) => r !== undefined)) continue;
    out.push({
      offering: o,
      pricePerHour: paid,
      effectivePricePerHour: effectivePrice(paid, o, p),
      ...(shape ? { serverlessShape: shape } : {}),
    });
  }
  return out.sort(compareCandidates);
}

type PodInput = typeof pods extends fc.Arbitrary<infer T> ? T : never;

function toInput(r: PodInput): { s: Sizing; spec: V1PodSpec } {
  const request: Record<string, number> = { cpu: r.cpu, memory: r.memoryGiB * GiB };
  if (r.gpus > 0) request[r.gpuResource] = r.gpus;
  if (r.scratchGiB > 0) request['ephemeral-storage'] = r.scratchGiB * GiB;
  const need: Resources = { ...request, memory: (r.memoryGiB + r.overheadGiB) * GiB, pods: r.pods };
  const spec: V1PodSpec = { containers: [] };
  if (r.selector) spec.nodeSelector = r.selector;
  if (r.affinity) {
    spec.affinity = {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: r.affinity }],
        },
      },
    };
  }
  return { s: sizing(need, request), spec };
}

describe('decide, against a brute-force scan', () => {
  it('chooses an offering that fits and is allowed, with nothing cheaper left out, and the same fallbacks', () => {
    fc.assert(
      fc.property(
        catalogs,
        pods,
        policies,
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 1000 }),
        (offerings, podInput, p, fallbacks, seed) => {
          const { s, spec } = toInput(podInput);
          // A pseudo-random slice of the catalog is marked unavailable.
          const unavailable = new Set(offerings.filter((_, i) => (i * 7 + seed) % 5 === 0).map((o) => o.id));
          const idx = buildIndex(offerings, allocatable);
          const d = decide({ pod, sizing: s, podSpec: spec, policy: p, index: idx, unavailable, fallbacks });
          const expected = bruteForce(offerings, s, spec, p, unavailable);
          const got = d.chosen ? [d.chosen, ...d.fallbacks] : [];
          expect(got.map((c) => c.offering.id)).toEqual(
            expected.slice(0, fallbacks + 1).map((c) => c.offering.id),
          );
          for (const [i, c] of got.entries()) {
            expect(c.effectivePricePerHour).toBe(expected[i]?.effectivePricePerHour);
            expect(c.pricePerHour).toBe(expected[i]?.pricePerHour);
          }
          if (!d.chosen) {
            expect(d.explanation).toMatch(/^nothing fits/);
            for (const m of d.nearestMisses) expect(m.reasons).toHaveLength(1);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('counts every offering it rules out under one reason at most once', () => {
    fc.assert(
      fc.property(catalogs, pods, policies, (offerings, podInput, p) => {
        const { s, spec } = toInput(podInput);
        const d = decide({
          pod,
          sizing: s,
          podSpec: spec,
          policy: p,
          index: buildIndex(offerings, allocatable),
        });
        const total = Object.values(d.rejected).reduce((a, b) => a + b, 0);
        expect(total + (d.chosen ? 1 + d.fallbacks.length : 0)).toBeLessThanOrEqual(offerings.length);
      }),
      { numRuns: 200 },
    );
  });
});
