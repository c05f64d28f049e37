/**
 * What berth spends on a week of work, side by side with what the same pods
 * cost run the other ways: berth restricted to on-demand, the static node
 * pools sized for the peak (src/cost/baseline.ts, the chargeback report's
 * baseline), and packing onto shared nodes per tenant and all together.
 * Run with `npm run bench:cost` (BERTH_COST_SEED=<n> picks another trace).
 */
import { loadPreset } from '../../../policies/presets.ts';
import { localReach } from '../../../providers/local/provider.ts';
import { formatTable } from '../../../src/cli/output.ts';
import { staticPoolBaseline } from '../../../src/cost/baseline.ts';
import { MiB, type Offering, type Policy } from '../../../src/model/index.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { offeringsFor } from '../../../src/runtime/offerings.ts';
import { bestPacking, type PackResult, type PoolMachine, peakRequests } from './packing.ts';
import { asInterval, type Placement, replayBerth } from './replay.ts';
import { DEFAULT_TRACE, generateTrace, type TracePod } from './trace.ts';

const SEED = Number(process.env.BERTH_COST_SEED ?? 20261130);
const REGION = 'us-east-1';
/** Assumption: launch to Ready of a machine (EC2 with a prepared AMI), paid, the pod not yet running. */
const BOOT_S = 45;
const WEEK_HOURS = DEFAULT_TRACE.days * 24;

const usd = (v: number) => `$${v.toFixed(2)}`;
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;

const offerings = offeringsFor({ cloud: 'aws', region: REGION, reach: localReach('aws', REGION) }).offerings;
const engine = new PlacementEngine(offerings);
const trace = generateTrace(SEED);
const policyOf = (p: TracePod): Policy => loadPreset(p.policy);
const onDemandOnly = (p: Policy): Policy => ({
  ...p,
  name: `${p.name}, on-demand only`,
  capacityTypes: ['on-demand'],
});

/** Shared-node candidates: general machines (no GPU, not burstable) of one capacity type, cheapest per size. */
function poolMachines(capacityType: Offering['capacityType']): PoolMachine[] {
  const bySize = new Map<string, PoolMachine>();
  for (const o of offerings) {
    if (o.capacityType !== capacityType || o.gpu || o.burstable || o.arch !== 'amd64') continue;
    const a = nodeAllocatable(o);
    const m = {
      instanceType: o.instanceType,
      pricePerHour: o.pricePerHour,
      cpu: a.cpu ?? 0,
      memoryMiB: Math.floor((a.memory ?? 0) / MiB),
    };
    const size = `${o.cpu}/${o.memoryMiB}`;
    const seen = bySize.get(size);
    if (!seen || m.pricePerHour < seen.pricePerHour) bySize.set(size, m);
  }
  return [...bySize.values()];
}

function sum<T>(items: readonly T[], f: (t: T) => number): number {
  return items.reduce((s, t) => s + f(t), 0);
}

function utilisation(ps: readonly Placement[]) {
  const paidCpu = sum(ps, (p) => p.paidCpu * p.billedSeconds);
  const paidMem = sum(ps, (p) => p.paidMemoryMiB * p.billedSeconds);
  return {
    cpu: sum(ps, (p) => p.pod.cpu * p.pod.duration) / paidCpu,
    memory: sum(ps, (p) => p.pod.memoryMiB * p.pod.duration) / paidMem,
  };
}

const started = performance.now();
const berth = replayBerth(trace, engine, policyOf, BOOT_S);
const berthOnDemand = replayBerth(trace, engine, (p) => onDemandOnly(policyOf(p)), BOOT_S);
const berthCost = sum(berth.placements, (p) => p.cost);
const ci = berth.placements.filter((p) => p.pod.kind === 'ci');
const ciUse = utilisation(ci);

// GPU jobs run on the machine berth picks for them in every packed baseline: packing one-GPU jobs is its own question.
const gpuPlacements = berth.placements.filter((p) => p.pod.gpus > 0);
const gpuCost = sum(gpuPlacements, (p) => p.cost);
const shared = trace.filter((p) => p.gpus === 0);
const tenants = [...new Set(shared.map((p) => p.tenant))];

function packed(capacityType: 'spot' | 'on-demand', perTenant: boolean) {
  const machines = poolMachines(capacityType);
  const groups = perTenant ? tenants.map((t) => shared.filter((p) => p.tenant === t)) : [shared];
  const results = groups.map((g) => bestPacking(g, machines, BOOT_S)).filter((r): r is PackResult => !!r);
  return {
    cost: sum(results, (r) => r.cost) + gpuCost,
    use: sum(results, (r) => r.requestedCpuSeconds) / sum(results, (r) => r.paidCpuSeconds),
    nodes: sum(results, (r) => r.nodesBought) + gpuPlacements.length,
    types: [...new Set(results.map((r) => r.instanceType))].join(','),
  };
}

// The static pools, as the chargeback report defines them (src/cost/baseline.ts), over the week berth ran.
const WEEK_START = Date.UTC(2026, 10, 23); // a Monday: the trace's day 0
const baseline = staticPoolBaseline(
  berth.placements.map((pl) => asInterval(pl, WEEK_START, BOOT_S)),
  { start: WEEK_START, end: WEEK_START + WEEK_HOURS * 3_600_000 },
);
const staticCost = baseline?.cost ?? Number.NaN;
const pools = baseline?.pools ?? [];
const peak = peakRequests(shared);

const packAllSpot = packed('spot', false);
const packTenantSpot = packed('spot', true);
const packAllOnDemand = packed('on-demand', false);

const rows: string[][] = [];
const row = (name: string, cost: number, use: string, nodes: number | string, note: string) =>
  rows.push([name, usd(cost), `${(cost / berthCost).toFixed(2)}x`, use, String(nodes), note]);
row('berth (as configured)', berthCost, pct(ciUse.cpu), berth.placements.length, 'one machine per pod');
row(
  'berth, on-demand only',
  sum(berthOnDemand.placements, (p) => p.cost),
  pct(utilisation(berthOnDemand.placements.filter((p) => p.pod.kind === 'ci')).cpu),
  berthOnDemand.placements.length,
  '',
);
row(
  'static pools for the peak (on-demand, 24x7)',
  staticCost,
  '-',
  pools.map((p) => p.nodes).join('+'),
  pools.map((p) => `${p.nodes}x ${p.instanceType} (${p.kind})`).join(' + '),
);
row(
  'packed per tenant, spot',
  packTenantSpot.cost,
  pct(packTenantSpot.use),
  packTenantSpot.nodes,
  packTenantSpot.types,
);
row(
  'packed all together, spot',
  packAllSpot.cost,
  pct(packAllSpot.use),
  packAllSpot.nodes,
  packAllSpot.types,
);
row(
  'packed all together, on-demand',
  packAllOnDemand.cost,
  pct(packAllOnDemand.use),
  packAllOnDemand.nodes,
  packAllOnDemand.types,
);

const p = DEFAULT_TRACE;
console.log(`berth cost bench: a seeded week on aws ${REGION} (embedded catalog), seed ${SEED}`);
console.log(
  `trace: ${trace.length} pods (${ci.length} CI in ${p.ciTenants.length} tenants, ${gpuPlacements.length} GPU jobs, ${trace.filter((t) => t.kind === 'service').length} always-on services); peak ${(peak.cpu / 1000).toFixed(1)} requested vCPU / ${(peak.memoryMiB / 1024).toFixed(0)} GiB; boot ${BOOT_S} s paid per machine; per-second billing, 60 s minimum`,
);
if (berth.unplaced.size > 0)
  console.log(`unplaced: ${[...berth.unplaced].map(([why, n]) => `${n}x ${why}`).join('; ')}`);
console.log('');
console.log(
  formatTable(['strategy', 'spend', 'vs berth', 'paid CPU used', 'machines', 'machine types'], rows),
);

// The most wasteful CI shapes: what a requested vCPU-hour costs and how much of the machine it leaves idle.
console.log('');
const byShape = new Map<string, Placement[]>();
for (const pl of ci) {
  const k = `${pl.pod.cpu}m/${pl.pod.memoryMiB}Mi`;
  byShape.set(k, [...(byShape.get(k) ?? []), pl]);
}
const shapeRows = [...byShape].map(([shape, ps]) => {
  const types = new Map<string, number>();
  for (const pl of ps) types.set(pl.instanceType, (types.get(pl.instanceType) ?? 0) + 1);
  const top = [...types].sort((a, b) => b[1] - a[1])[0]![0];
  const use = utilisation(ps);
  const perVcpuHour = sum(ps, (x) => x.cost) / (sum(ps, (x) => x.pod.cpu * x.pod.duration) / 1000 / 3600);
  return { shape, n: ps.length, top, use, perVcpuHour };
});
shapeRows.sort((a, b) => a.use.cpu - b.use.cpu);
console.log(
  formatTable(
    ['CI request', 'pods', 'mostly on', 'paid CPU used', 'paid memory used', '$ per requested vCPU-hour'],
    shapeRows.map((r) => [
      r.shape,
      String(r.n),
      r.top,
      pct(r.use.cpu),
      pct(r.use.memory),
      r.perVcpuHour.toFixed(4),
    ]),
  ),
);

console.log('');
const goals: [string, boolean, string][] = [
  [
    'at most 1.1x packing everything together on spot',
    berthCost <= 1.1 * packAllSpot.cost,
    `${(berthCost / packAllSpot.cost).toFixed(2)}x`,
  ],
  [
    'at least 90% below the static pool',
    berthCost <= 0.1 * staticCost,
    `${pct(1 - berthCost / staticCost)} below`,
  ],
  ['paid-CPU utilisation of CI pods at least 70%', ciUse.cpu >= 0.7, pct(ciUse.cpu)],
];
for (const [goal, met, figure] of goals) console.log(`${met ? 'met   ' : 'missed'}  ${goal}: ${figure}`);
console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s)`);
