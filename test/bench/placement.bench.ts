/**
 * How fast is a decision? Runs `decide` over a realistic mix of pods against
 * (a) one region's offerings (aws us-east-1) and (b) the whole embedded
 * multi-cloud catalog, and prints decisions per second and p50/p99 latency
 * against the targets. Run with `npm run bench:placement`.
 *
 * Sizing and indexing happen once, outside the timed loop, as they do in the
 * controller; every decision is computed afresh (nothing is cached).
 *
 * Then a Job's burst through the engine the controller uses: 1,000 equal pods
 * (their decisions shared) against 1,000 pods that all differ, each decided
 * whole (sizing, solver, explanation), on the whole catalog.
 */
import type { V1PodSpec } from '@kubernetes/client-node';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { loadPreset } from '../../policies/presets.ts';
import { formatTable } from '../../src/cli/output.ts';
import type { Decision, Offering, OfferingIndex, Policy, Sizing } from '../../src/model/index.ts';
import { nodeAllocatable } from '../../src/placement/node-reserved.ts';
import { buildIndex } from '../../src/placement/offering-index.ts';
import { sizePod } from '../../src/placement/sizing.ts';
import { decide } from '../../src/placement/solver.ts';
import { PlacementEngine } from '../../src/placement/engine.ts';

interface PodCase {
  kind: string;
  /** How many of every 20 pods look like this. */
  weight: number;
  spec: V1PodSpec;
  policy: Policy;
  sizing: Sizing;
}

function container(requests: Record<string, string>, limits: Record<string, string> = {}) {
  return { name: 'main', image: 'example', resources: { requests, limits } };
}

function podCase(kind: string, weight: number, spec: V1PodSpec, policyName: string): PodCase {
  const policy = loadPreset(policyName);
  return { kind, weight, spec, policy, sizing: sizePod({ spec, policy, object: `Pod/${kind}` }) };
}

const MIX: PodCase[] = [
  podCase('small CI pod', 9, { containers: [container({ cpu: '500m', memory: '1Gi' })] }, 'ci-burst'),
  podCase(
    'mid-size service',
    6,
    {
      containers: [container({ cpu: '2', memory: '6Gi' })],
      initContainers: [
        { ...container({ cpu: '100m', memory: '64Mi' }), name: 'proxy', restartPolicy: 'Always' },
      ],
    },
    'default',
  ),
  podCase(
    'GPU training pod',
    2,
    { containers: [container({ cpu: '6', memory: '24Gi' }, { 'nvidia.com/gpu': '1' })] },
    'ml-gpu',
  ),
  podCase(
    'arm64 pod',
    1,
    {
      containers: [container({ cpu: '1', memory: '2Gi' })],
      nodeSelector: { 'kubernetes.io/arch': 'arm64' },
    },
    'default',
  ),
  podCase('fits nothing', 1, { containers: [container({ cpu: '2000', memory: '64Ti' })] }, 'default'),
  // Left over from a node-pool setup: no berth node carries the label, so nothing fits either.
  podCase(
    'pool label, fits nothing',
    1,
    {
      containers: [container({ cpu: '1', memory: '1Gi' })],
      nodeSelector: { 'example.com/node-pool': 'batch' },
    },
    'default',
  ),
];

/** The mix as a repeating sequence, interleaved so consecutive decisions differ. */
function sequence(): PodCase[] {
  const out: PodCase[] = [];
  const left = MIX.map((c) => c.weight);
  while (left.some((n) => n > 0)) {
    MIX.forEach((c, i) => {
      if ((left[i] ?? 0) > 0) {
        out.push(c);
        left[i] = (left[i] ?? 0) - 1;
      }
    });
  }
  return out;
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

function run(
  index: OfferingIndex,
  cases: readonly PodCase[],
  n: number,
): { latencies: Map<string, number[]>; all: Float64Array; perSecond: number } {
  const one = (c: PodCase): Decision =>
    decide({
      pod: { namespace: 'bench', name: c.kind },
      sizing: c.sizing,
      podSpec: c.spec,
      policy: c.policy,
      index,
    });
  for (let i = 0; i < 3000; i++) one(cases[i % cases.length]!); // let the JIT settle

  // Throughput: back to back, no per-call clock.
  let sink = 0;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) sink += one(cases[i % cases.length]!).fallbacks.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;

  // Latency: each call timed on its own.
  const all = new Float64Array(n);
  const latencies = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const c = cases[i % cases.length]!;
    const s = process.hrtime.bigint();
    sink += one(c).fallbacks.length;
    const us = Number(process.hrtime.bigint() - s) / 1000;
    all[i] = us;
    const list = latencies.get(c.kind);
    if (list) list.push(us);
    else latencies.set(c.kind, [us]);
  }
  if (sink < 0) console.log(sink); // keeps the calls from being optimised away
  all.sort();
  return { latencies, all, perSecond: n / seconds };
}

const fmt = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);

function main(): void {
  const quiet = { onWarning: () => {} };
  const scenarios: { name: string; offerings: Offering[]; p99TargetUs: number; rateTarget?: number }[] = [
    {
      name: '(a) aws us-east-1',
      offerings: loadCatalog({ ...quiet, clouds: ['aws'], regions: ['us-east-1'] }).offerings,
      p99TargetUs: 100,
    },
    {
      name: '(b) whole catalog',
      offerings: loadCatalog(quiet).offerings,
      p99TargetUs: 1000,
      rateTarget: 20_000,
    },
  ];
  const cases = sequence();
  const n = Number(process.env.BENCH_DECISIONS ?? 50_000);
  const rows: string[][] = [];
  const perKind: string[][] = [];
  let allMet = true;
  for (const s of scenarios) {
    const t = process.hrtime.bigint();
    const index = buildIndex(s.offerings, nodeAllocatable);
    const buildMs = Number(process.hrtime.bigint() - t) / 1e6;
    const r = run(index, cases, n);
    const p50 = percentile(r.all, 50);
    const p99 = percentile(r.all, 99);
    const met = p99 < s.p99TargetUs && (s.rateTarget === undefined || r.perSecond >= s.rateTarget);
    allMet &&= met;
    const target = [
      `p99 < ${fmt(s.p99TargetUs)}`,
      ...(s.rateTarget ? [`>= ${s.rateTarget.toLocaleString('en')}/s`] : []),
    ];
    rows.push([
      s.name,
      s.offerings.length.toLocaleString('en'),
      `${buildMs.toFixed(0)} ms`,
      Math.round(r.perSecond).toLocaleString('en'),
      fmt(p50),
      fmt(p99),
      target.join(', '),
      met ? 'yes' : 'NO',
    ]);
    for (const c of MIX) {
      const l = Float64Array.from(r.latencies.get(c.kind) ?? []).sort();
      perKind.push([
        s.name,
        c.kind,
        `${c.weight}/20`,
        c.policy.name,
        fmt(percentile(l, 50)),
        fmt(percentile(l, 99)),
      ]);
    }
  }
  const header = ['scenario', 'offerings', 'index build', 'decisions/s', 'p50', 'p99', 'target', 'met'];
  process.stdout.write(
    `placement benchmark: ${n.toLocaleString('en')} decisions per scenario, Node ${process.version}\n\n`,
  );
  process.stdout.write(`${formatTable(header, rows)}\n\n`);
  process.stdout.write(`${formatTable(['scenario', 'pod', 'share', 'policy', 'p50', 'p99'], perKind)}\n`);
  if (!allMet) process.exitCode = 1;
  jobBurst(scenarios[1]!.offerings);
}

/** 1,000 pods of one Job (equal specs) and 1,000 that all differ, through PlacementEngine.decide. */
function jobBurst(offerings: Offering[]): void {
  const policy = loadPreset('ci-burst');
  const pod = (i: number, cpuMillis: number) => ({
    metadata: { namespace: 'bench', name: `job-${i}`, uid: `uid-${i}` },
    spec: { containers: [container({ cpu: `${cpuMillis}m`, memory: '1Gi' })] },
  });
  const engine = new PlacementEngine(offerings);
  let round = 0;
  const burst = (cpuOf: (i: number) => number) => {
    engine.replace(offerings); // a fresh memory of decisions, as after a price refresh
    const before = engine.sharedDecisions;
    const pods = Array.from({ length: 1000 }, (_, i) => pod(i, cpuOf(i)));
    const t = process.hrtime.bigint();
    for (const p of pods) engine.decide(p, policy, [], new Set());
    return { ms: Number(process.hrtime.bigint() - t) / 1e6, shared: engine.sharedDecisions - before };
  };
  // Let the JIT settle on both paths; each round's distinct pods are new ones.
  for (; round < 3; round++) {
    burst(() => 500);
    burst((i) => 400 + i + round * 1000);
  }
  const equal = burst(() => 500);
  const distinct = burst((i) => 400 + i + round * 1000);
  process.stdout.write(
    `\nA Job's burst through the engine (whole catalog, ci-burst policy): 1,000 equal pods ${equal.ms.toFixed(1)} ms (${equal.shared} decisions shared); 1,000 pods that all differ ${distinct.ms.toFixed(1)} ms (${distinct.shared} shared)\n`,
  );
}

main();
