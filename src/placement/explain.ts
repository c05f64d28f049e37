import type {
  Candidate,
  Decision,
  Offering,
  PackedShare,
  PodFeature,
  RejectReason,
  Rejection,
} from '../model/index.ts';
import { formatComparable, formatCpu, formatQuantity, formatResources } from '../model/quantity.ts';
import { FEATURE_WORDS } from './serverless-limits.ts';

/** Words for a decision: one line a person reads in an Event, a log or the CLI. */

export function formatPrice(usdPerHour: number): string {
  return `$${usdPerHour < 0.1 ? usdPerHour.toFixed(4) : usdPerHour.toFixed(3)}/h`;
}

/** `m6g.large spot aws us-east-1a`, or the region for a regional offering. */
export function describeOffering(o: Offering): string {
  return `${o.instanceType} ${o.capacityType} ${o.cloud} ${o.zone ?? o.region}`;
}

function describeCandidate(c: Candidate): string {
  const shape = c.serverlessShape
    ? ` ${formatCpu(c.serverlessShape.cpu)} CPU/${formatQuantity('memory', c.serverlessShape.memoryMiB * 1024 * 1024)}`
    : '';
  const weighted =
    c.effectivePricePerHour !== c.pricePerHour
      ? ` (risk-weighted ${formatPrice(c.effectivePricePerHour)})`
      : '';
  const disk = c.node ? ` with a ${c.node.rootVolumeGiB}Gi root volume` : '';
  const credits =
    c.cpuCreditPricePerHour !== undefined
      ? ` incl. ${formatPrice(c.cpuCreditPricePerHour)} of CPU credits`
      : '';
  const trim = c.cpuTrim ? ` (CPU request trimmed by ${formatCpu(c.cpuTrim)} to fit, shape fit)` : '';
  return `${describeOffering(c.offering)}${shape} at ${formatPrice(c.pricePerHour)}${disk}${credits}${weighted}${trim}`;
}

function amount(rule: string, value: string | number | undefined): string {
  if (value === undefined) return '?';
  return typeof value === 'number' ? formatQuantity(rule, value) : value;
}

/** What ruled one offering out, e.g. `cpu: needs 4, has 3920m` or `regions: wants us-east-1, is eu-west-1`. */
export function describeRejection(r: Rejection): string {
  switch (r.reason) {
    case 'too-small': {
      if (typeof r.wanted === 'number' && typeof r.actual === 'number') {
        const [wanted, actual] = formatComparable(r.rule, [r.wanted, r.actual]);
        return `too small: ${r.rule} needs ${wanted}, has ${actual}`;
      }
      return `too small: ${r.rule} needs ${amount(r.rule, r.wanted)}, has ${amount(r.rule, r.actual)}`;
    }
    case 'over-max-price':
      return `over maxPricePerHour ${formatPrice(Number(r.wanted))}: costs ${formatPrice(Number(r.actual))}`;
    case 'unavailable':
      return 'marked unavailable after a capacity error';
    case 'gpu':
      return r.rule === 'unused-gpu'
        ? `has GPUs (${r.actual}) the pod doesn't use`
        : `gpuModels allows ${r.wanted}, has ${r.actual}`;
    case 'serverless-limit':
      return describeServerlessLimit(r);
    case 'selector':
      return `pod requires ${r.rule}, node would have ${r.actual}`;
    case 'burstable': {
      if (r.rule !== 'standard-mode') return `burstable ${r.actual} has no published CPU baseline`;
      const [wanted, baseline] =
        typeof r.wanted === 'number' && typeof r.actual === 'number'
          ? formatComparable('cpu', [r.wanted, r.actual])
          : [amount('cpu', r.wanted), amount('cpu', r.actual)];
      return `burstable below the request: needs ${wanted} sustained, baseline ${baseline} (standard mode throttles it)`;
    }
    default:
      return r.wanted === undefined
        ? `${r.rule}: ${r.actual}`
        : `${r.rule} allows ${r.wanted}, is ${r.actual}`;
  }
}

/** e.g. `fargate: privileged containers are not supported (spec.containers[1].securityContext.privileged)`. */
function describeServerlessLimit(r: Rejection): string {
  if (r.rule in FEATURE_WORDS) return `${r.actual}: ${FEATURE_WORDS[r.rule as PodFeature]} (${r.field})`;
  switch (r.rule) {
    case 'shape':
      return `bigger than any serverless shape: needs ${r.wanted}, ${r.actual}`;
    case 'platform':
      return `serverless platform ${r.actual} has no documented limits, so berth never places pods there`;
    case 'ephemeral-storage':
      return `${r.actual}: ephemeral-storage ${amount(r.rule, r.wanted)} is over the platform's ${r.field}`;
    default:
      return `serverless can't provide ${r.rule}`;
  }
}

/** `1204 rejected (too-small 1100, policy 100, arch 4)`: the biggest reasons first. */
export function describeRejected(rejected: Decision['rejected']): string {
  const entries = (Object.entries(rejected) as [RejectReason, number][]).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return 'none rejected';
  return `${total} rejected (${entries
    .slice(0, 3)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ')})`;
}

function priceGap(diff: number): string {
  return diff < 0.00005 ? 'same price' : `+${formatPrice(diff)}`;
}

export function explainDecision(d: Omit<Decision, 'explanation'>): string {
  const chosen = d.chosen;
  if (!chosen) return explainNoFit(d);
  const runnerUp = d.fallbacks[0];
  const second = runnerUp
    ? `runner-up ${describeCandidate(runnerUp)}, ${priceGap(runnerUp.effectivePricePerHour - chosen.effectivePricePerHour)}`
    : 'no runner-up';
  const zones = chosen.zones ? ` in ${chosen.zones.join(' or ')}` : '';
  return `${describeCandidate(chosen)}${zones}; ${second}; ${describeRejected(d.rejected)}`;
}

/**
 * Said only where isolation costs more than twice the pod's share of a packed
 * node: `; isolation: 3.4x its share of a shared c6a.4xlarge spot ($0.0041/h)`.
 */
export function isolationClause(chosen: Candidate, share: PackedShare): string {
  if (share.pricePerHour <= 0 || chosen.pricePerHour <= 2 * share.pricePerHour) return '';
  const ratio = chosen.pricePerHour / share.pricePerHour;
  return `; isolation: ${ratio.toFixed(1)}x its share of a shared ${share.offering.instanceType} ${share.offering.capacityType} (${formatPrice(share.pricePerHour)})`;
}

/** `nothing fits cpu=96 memory=1Ti under policy default: ...; nearest: x (why), y (why)` */
export function explainNoFit(d: Omit<Decision, 'explanation'>): string {
  const asked = formatResources(d.sizing.need);
  const admitted = formatResources(d.sizing.minimum);
  const sized = asked === admitted ? asked : `${admitted} (${asked} with headroom)`;
  const head = `nothing fits ${sized} under policy ${d.policyName}: ${describeRejected(d.rejected)}`;
  if (d.nearestMisses.length === 0) return `${head}; no offering comes close`;
  const misses = d.nearestMisses.map(
    (m) => `${describeOffering(m.offering)} ${formatPrice(m.pricePerHour)} (${m.reasons.join('; ')})`,
  );
  return `${head}; nearest: ${misses.join(', ')}`;
}
