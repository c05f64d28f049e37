import type { ServerlessShapeRange } from '../../../src/model/index.ts';
import { CATALOG_FORMAT, type ServerlessEntry, type ServerlessFile } from '../schema.ts';
import type { MemorySpec, ServerlessRates } from '../sources.ts';
import { roundPrice } from './common.ts';

const GiB_IN_MiB = 1024;

/**
 * One row of a shape table (`{vcpu, memoryGiB: [..] | {from, to, step}}`)
 * as shape ranges. A list becomes as few evenly spaced runs as it holds:
 * Fargate's 0.25 vCPU row [0.5, 1, 2] GiB is 512..1024 by 512, then 2048,
 * because 1536 MiB is not an allowed size.
 */
export function expandShapeRow(vcpu: number, memoryGiB: MemorySpec): ServerlessShapeRange[] {
  const cpu = Math.round(vcpu * 1000);
  if (!Array.isArray(memoryGiB)) {
    const { from, to, step } = memoryGiB;
    return [
      {
        cpu,
        memoryMinMiB: Math.round(from * GiB_IN_MiB),
        memoryMaxMiB: Math.round(to * GiB_IN_MiB),
        memoryStepMiB: Math.round(step * GiB_IN_MiB),
      },
    ];
  }
  const sizes = [...new Set(memoryGiB.map((g) => Math.round(g * GiB_IN_MiB)))].sort((a, b) => a - b);
  const ranges: ServerlessShapeRange[] = [];
  let i = 0;
  while (i < sizes.length) {
    const start = sizes[i] ?? 0;
    const next = sizes[i + 1];
    if (next === undefined) {
      ranges.push({ cpu, memoryMinMiB: start, memoryMaxMiB: start, memoryStepMiB: start });
      break;
    }
    const step = next - start;
    let end = next;
    let j = i + 2;
    while (j < sizes.length && (sizes[j] ?? 0) - end === step) {
      end = sizes[j] ?? end;
      j++;
    }
    ranges.push({ cpu, memoryMinMiB: start, memoryMaxMiB: end, memoryStepMiB: step });
    i = j;
  }
  return ranges;
}

/**
 * Shape ranges of a platform that sells CPU in fixed steps and memory within
 * a GiB-per-vCPU ratio (GKE Autopilot): one range per CPU step, memory from
 * max(minimum, ratioMin x vCPU) to min(maximum, ratioMax x vCPU).
 */
export function ratioShapeRanges(rule: {
  cpuStep: number;
  cpuMin: number;
  cpuMax: number;
  memoryMinMiB: number;
  memoryMaxMiB: number;
  minGiBPerVcpu: number;
  maxGiBPerVcpu: number;
  memoryStepMiB: number;
}): ServerlessShapeRange[] {
  const ranges: ServerlessShapeRange[] = [];
  for (let cpu = rule.cpuMin; cpu <= rule.cpuMax; cpu += rule.cpuStep) {
    const low = Math.max(rule.memoryMinMiB, Math.ceil((cpu / 1000) * rule.minGiBPerVcpu * GiB_IN_MiB));
    const high = Math.min(rule.memoryMaxMiB, Math.floor((cpu / 1000) * rule.maxGiBPerVcpu * GiB_IN_MiB));
    if (high < low) continue;
    // Keep max on the step grid so "round up to the next step" never passes it.
    const max = low + Math.floor((high - low) / rule.memoryStepMiB) * rule.memoryStepMiB;
    ranges.push({ cpu, memoryMinMiB: low, memoryMaxMiB: max, memoryStepMiB: rule.memoryStepMiB });
  }
  return ranges;
}

/** Every CPU step with the same memory range (Azure Container Instances has no ratio rule). */
export function gridShapeRanges(rule: {
  cpuStep: number;
  cpuMin: number;
  cpuMax: number;
  memoryMinMiB: number;
  memoryMaxMiB: number;
  memoryStepMiB: number;
}): ServerlessShapeRange[] {
  const ranges: ServerlessShapeRange[] = [];
  for (let cpu = rule.cpuMin; cpu <= rule.cpuMax; cpu += rule.cpuStep) {
    ranges.push({
      cpu,
      memoryMinMiB: rule.memoryMinMiB,
      memoryMaxMiB: rule.memoryMaxMiB,
      memoryStepMiB: rule.memoryStepMiB,
    });
  }
  return ranges;
}

/** USD/h of one shape: vCPUs x the vCPU rate + GiB x the GiB rate. */
export function shapePrice(
  rates: { perVcpuHour: number; perGiBHour: number },
  cpu: number,
  memoryMiB: number,
): number {
  return roundPrice((cpu / 1000) * rates.perVcpuHour + (memoryMiB / GiB_IN_MiB) * rates.perGiBHour);
}

/** The largest shape (most CPU, then most memory) and its price: an offering's headline size and $/h. */
export function largestShape(entry: Pick<ServerlessEntry, 'shapes' | 'perVcpuHour' | 'perGiBHour'>): {
  cpu: number;
  memoryMiB: number;
  pricePerHour: number;
} {
  let cpu = 0;
  let memoryMiB = 0;
  for (const r of entry.shapes) {
    if (r.cpu > cpu || (r.cpu === cpu && r.memoryMaxMiB > memoryMiB)) {
      cpu = r.cpu;
      memoryMiB = r.memoryMaxMiB;
    }
  }
  return { cpu, memoryMiB, pricePerHour: shapePrice(entry, cpu, memoryMiB) };
}

/**
 * rates.json carries no date of its own; its newest dated citation is
 * "wring.co (2026-03)", so the rates are taken as of the start of that month.
 */
export const SERVERLESS_RATES_AS_OF = '2026-03-01T00:00:00.000Z';

const AUTOPILOT_LIMITS = 'cloud.google.com/kubernetes-engine/docs/concepts/autopilot-resource-requests';
const ACI_LIMITS = [
  'learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits',
  'learn.microsoft.com/azure/container-instances/container-instances-region-availability',
];

export function buildServerlessCatalog(rates: ServerlessRates): ServerlessFile {
  const fargate = rates.data['aws-fargate'];
  const autopilot = rates.data['gke-autopilot'];
  const aci = rates.data['azure-container-instances'];
  const origin = (sources: readonly string[]) => `public list rate (${sources[0] ?? 'uncited'})`;

  const fargateShapes = fargate.shapes.flatMap((row) => expandShapeRow(row.vcpu, row.memoryGiB));
  const fargateEntry = (
    arch: 'amd64' | 'arm64',
    rate: { vcpuHour: number; gibHour: number },
  ): ServerlessEntry => ({
    cloud: 'aws',
    region: fargate.region,
    instanceType: `fargate-${arch}`,
    family: 'fargate',
    arch,
    perVcpuHour: rate.vcpuHour,
    perGiBHour: rate.gibHour,
    overhead: { cpu: 0, memoryMiB: 256 },
    shapes: fargateShapes,
    observedAt: SERVERLESS_RATES_AS_OF,
    origin: origin(fargate.sources),
    estimated: !fargate.verified,
    citations: [...fargate.sources, fargate.shapesSource],
    notes: [
      'EKS Fargate: the pod request + 256 MiB is rounded up to an allowed vCPU/memory combination; max 16 vCPU / 120 GiB.',
      'No GPUs, no DaemonSets, no privileged containers; no Fargate Spot on EKS. Per-second billing, one-minute minimum, 20 GB ephemeral storage included.',
    ],
  });

  const gp = autopilot['general-purpose'];
  const autopilotEntry: ServerlessEntry = {
    cloud: 'gcp',
    region: autopilot.region,
    instanceType: 'autopilot-general-purpose',
    family: 'autopilot',
    arch: 'amd64',
    perVcpuHour: gp.vcpuHour,
    perGiBHour: gp.gibHour,
    overhead: { cpu: 0, memoryMiB: 0 },
    shapes: ratioShapeRanges({
      cpuStep: 250,
      cpuMin: 250,
      cpuMax: 28_000,
      memoryMinMiB: 512,
      memoryMaxMiB: 80 * GiB_IN_MiB,
      minGiBPerVcpu: 1,
      maxGiBPerVcpu: 6.5,
      memoryStepMiB: 1,
    }),
    observedAt: SERVERLESS_RATES_AS_OF,
    origin: origin(autopilot.sources),
    estimated: !autopilot.verified,
    citations: [...autopilot.sources, AUTOPILOT_LIMITS],
    notes: [
      'General-purpose compute class, billed on pod requests: CPU in 0.25 vCPU steps from 250m, memory 1 to 6.5 GiB per vCPU, at least 512 MiB (the rules quoted with these rates).',
      'Max 28 vCPU / 80 GiB per pod: the older, smaller general-purpose limit, chosen because it holds on every cluster version; newer clusters allow more.',
      'Memory is billed as requested, so the memory step is 1 MiB. amd64 only (Arm needs another compute class). Spot pods (lower rates) are not modelled.',
    ],
  };

  const perHour = (perSecond: number) => roundPrice(perSecond * 3600);
  const aciEntry: ServerlessEntry = {
    cloud: 'azure',
    region: aci.region,
    instanceType: 'aci-linux',
    family: 'aci',
    arch: 'amd64',
    perVcpuHour: perHour(aci.linux.vcpuSecond),
    perGiBHour: perHour(aci.linux.gibSecond),
    overhead: { cpu: 0, memoryMiB: 0 },
    shapes: gridShapeRanges({
      cpuStep: 500,
      cpuMin: 500,
      cpuMax: 4000,
      memoryMinMiB: 512,
      memoryMaxMiB: 16 * GiB_IN_MiB,
      memoryStepMiB: 512,
    }),
    observedAt: SERVERLESS_RATES_AS_OF,
    origin: origin(aci.sources),
    estimated: !aci.verified,
    citations: [...aci.sources, ...ACI_LIMITS],
    notes: [
      'Per-second rates x 3600. Linux container group without GPU: max 4 vCPU and 16 GiB in most regions.',
      'CPU in 0.5 vCPU steps and memory in 0.5 GiB steps: a conservative subset of the fractional values ACI accepts.',
      'Spot container groups exist but no rate is in the sources, so they are not modelled.',
    ],
  };

  return {
    format: CATALOG_FORMAT,
    kind: 'serverless',
    sources: [],
    notes: [
      'From catalog-sources/serverless/rates.json: public per-vCPU and per-GiB rates with their citations; it names no repository and no date.',
      `Rates are taken as of ${SERVERLESS_RATES_AS_OF.slice(0, 10)}, the newest dated citation in rates.json.`,
      'Rates marked verified: false in rates.json (seen only in third-party copies) make their offerings estimated.',
      'capacityType is serverless; pricePerHour is the price of the largest allowed shape; cpu/memoryMiB are that shape.',
    ],
    skipped: {
      'not a Kubernetes node target': ['gcp-cloud-run'],
    },
    offerings: [
      fargateEntry('amd64', fargate['linux-x86_64']),
      fargateEntry('arm64', fargate['linux-arm64']),
      autopilotEntry,
      aciEntry,
    ],
  };
}
