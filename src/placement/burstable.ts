import type { Offering, Policy, Rejection } from '../model/index.ts';

/**
 * Burstable machines (AWS T, Azure B, GCP shared-core) sell a baseline share
 * of their vCPUs and let a pod run above it only for a while. A dedicated
 * node's pod is the node's whole load, so its CPU request is what the machine
 * sustains. The rule (see policies/README.md, "Burstable machines"):
 *
 * - at or below the baseline, the list price is the price;
 * - above it, where the machine runs in unlimited mode by default (AWS T3,
 *   T3a, T4g), the surplus is paid at the published per-vCPU-hour credit rate
 *   and that charge is part of the offering's price;
 * - above it, where the machine runs in standard mode or has no unlimited
 *   mode (AWS T2 by default, Azure B-series, GCP shared-core), it would be
 *   throttled to the baseline, so the offering is not eligible;
 * - a policy with `burstable: false` never takes a burstable machine.
 */

/** How a burstable family is billed past its baseline. */
interface BurstMode {
  /** USD per vCPU-hour of surplus credits in unlimited mode; absent: throttled (standard mode). */
  unlimitedUsdPerVcpuHour?: number;
  /** The public page the baselines and the rate come from. */
  source: string;
}

const AWS_DOC =
  'docs.aws.amazon.com/ec2/latest/instancetypes/gp.html (baseline per vCPU); aws.amazon.com/ec2/pricing/on-demand (unlimited mode)';
const AZURE_V1_DOC = 'learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/bv1-series';
const AZURE_V2_DOC =
  'learn.microsoft.com/azure/virtual-machines/sizes/general-purpose/bsv2-series (and basv2, bpsv2)';
const GCP_DOC = 'cloud.google.com/compute/docs/general-purpose-machines#sharedcore';

/**
 * Burst modes by family. T2 launches in standard mode unless told otherwise
 * (and berth doesn't ask), T3/T3a/T4g in unlimited mode; Linux surplus
 * credits cost $0.05 per vCPU-hour on T2/T3/T3a and $0.04 on T4g.
 */
const MODES: Readonly<Record<string, BurstMode>> = {
  t2: { source: AWS_DOC },
  t3: { unlimitedUsdPerVcpuHour: 0.05, source: AWS_DOC },
  t3a: { unlimitedUsdPerVcpuHour: 0.05, source: AWS_DOC },
  t4g: { unlimitedUsdPerVcpuHour: 0.04, source: AWS_DOC },
  azureB: { source: AZURE_V1_DOC },
  azureBv2: { source: AZURE_V2_DOC },
  gcpShared: { source: GCP_DOC },
};

/** Baselines in millicores for the whole machine: vCPUs x the baseline share of each. */
function aws(vcpus: number, percentPerVcpu: number): number {
  return Math.round(vcpus * percentPerVcpu * 10);
}

/** The baseline CPU each burstable type sustains, in millicores, and how it bursts. */
export const BURSTABLE_BASELINES: Readonly<Record<string, { baselineCpu: number; mode: string }>> = {
  // AWS: baseline utilisation per vCPU from the EC2 instance-type pages (AWS_DOC).
  't2.nano': { baselineCpu: aws(1, 5), mode: 't2' },
  't2.micro': { baselineCpu: aws(1, 10), mode: 't2' },
  't2.small': { baselineCpu: aws(1, 20), mode: 't2' },
  't2.medium': { baselineCpu: aws(2, 20), mode: 't2' },
  't2.large': { baselineCpu: aws(2, 30), mode: 't2' },
  't2.xlarge': { baselineCpu: aws(4, 22.5), mode: 't2' },
  't2.2xlarge': { baselineCpu: aws(8, 16.875), mode: 't2' },
  ...tFamily('t3'),
  ...tFamily('t3a'),
  ...tFamily('t4g'),
  // Azure B-series v1: "base CPU performance of VM", in percent of one vCPU (AZURE_V1_DOC).
  Standard_B1ls: { baselineCpu: 50, mode: 'azureB' },
  Standard_B1s: { baselineCpu: 100, mode: 'azureB' },
  Standard_B1ms: { baselineCpu: 200, mode: 'azureB' },
  Standard_B2s: { baselineCpu: 400, mode: 'azureB' },
  Standard_B2ms: { baselineCpu: 600, mode: 'azureB' },
  Standard_B4ms: { baselineCpu: 900, mode: 'azureB' },
  Standard_B8ms: { baselineCpu: 1350, mode: 'azureB' },
  Standard_B12ms: { baselineCpu: 2025, mode: 'azureB' },
  Standard_B16ms: { baselineCpu: 2700, mode: 'azureB' },
  Standard_B20ms: { baselineCpu: 3375, mode: 'azureB' },
  // Azure Bsv2 (Intel), Basv2 (AMD, `a`) and Bpsv2 (Arm, `p`) share their baselines (AZURE_V2_DOC).
  ...azureV2(),
  // GCP shared-core: the machine's sharedCpuFraction of its vCPUs (GCP_DOC; catalog-sources gcp/machine-types.json).
  'e2-micro': { baselineCpu: 250, mode: 'gcpShared' },
  'e2-small': { baselineCpu: 500, mode: 'gcpShared' },
  'e2-medium': { baselineCpu: 1000, mode: 'gcpShared' },
  'f1-micro': { baselineCpu: 200, mode: 'gcpShared' },
  'g1-small': { baselineCpu: 500, mode: 'gcpShared' },
};

/** T3, T3a and T4g share their sizes and baselines. */
function tFamily(family: string): Record<string, { baselineCpu: number; mode: string }> {
  const sizes: [string, number, number][] = [
    ['nano', 2, 5],
    ['micro', 2, 10],
    ['small', 2, 20],
    ['medium', 2, 20],
    ['large', 2, 30],
    ['xlarge', 4, 40],
    ['2xlarge', 8, 40],
  ];
  return Object.fromEntries(
    sizes.map(([size, vcpus, pct]) => [`${family}.${size}`, { baselineCpu: aws(vcpus, pct), mode: family }]),
  );
}

function azureV2(): Record<string, { baselineCpu: number; mode: string }> {
  // [size prefix, suffix, base % of one vCPU]
  const sizes: [string, string, number][] = [
    ['B2', 'ts', 20],
    ['B2', 'ls', 30],
    ['B2', 's', 40],
    ['B4', 'ls', 60],
    ['B4', 's', 80],
    ['B8', 'ls', 120],
    ['B8', 's', 160],
    ['B16', 'ls', 240],
    ['B16', 's', 320],
    ['B32', 'ls', 480],
    ['B32', 's', 640],
  ];
  const out: Record<string, { baselineCpu: number; mode: string }> = {};
  for (const variant of ['', 'a', 'p']) {
    for (const [size, suffix, pct] of sizes) {
      out[`Standard_${size}${variant}${suffix}_v2`] = { baselineCpu: pct * 10, mode: 'azureBv2' };
    }
  }
  return out;
}

/**
 * What a burstable offering adds to its price for a node that must sustain
 * `cpu` millicores: the unlimited-mode credit charge (USD/h), 0 when the
 * request is within the baseline or the machine isn't burstable, or the
 * rejection that rules it out (policy, throttled above the baseline, no
 * published baseline).
 */
export function burstCharge(o: Offering, cpu: number, policy: Policy): number | Rejection {
  if (!o.burstable) return 0;
  if (!policy.burstable)
    return { reason: 'policy', rule: 'burstable', wanted: 'false', actual: o.instanceType };
  const entry = BURSTABLE_BASELINES[o.instanceType];
  if (!entry) return { reason: 'burstable', rule: 'baseline', actual: o.instanceType };
  const surplus = cpu - entry.baselineCpu;
  if (surplus <= 0) return 0;
  const rate = MODES[entry.mode]?.unlimitedUsdPerVcpuHour;
  if (rate === undefined) {
    return { reason: 'burstable', rule: 'standard-mode', wanted: cpu, actual: entry.baselineCpu };
  }
  return (surplus / 1000) * rate;
}
