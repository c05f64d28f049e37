import {
  type Candidate,
  CPU,
  EPHEMERAL_STORAGE,
  MEMORY,
  MiB,
  type Offering,
  PODS,
  type PodFeature,
  type Rejection,
  type Resources,
} from '../model/index.ts';
import { limitsOf, type PodFeatures } from './serverless-limits.ts';

/**
 * Serverless platforms run one pod per slice and offer only CPU and memory
 * (ephemeral storage and the pod count are theirs to give), so any other
 * resource, GPUs included, rules the platform out.
 */
const SUPPORTED = new Set<string>([CPU, MEMORY, EPHEMERAL_STORAGE, PODS]);

function unsupportedResource(request: Resources): string | undefined {
  for (const name in request) if ((request[name] ?? 0) > 0 && !SUPPORTED.has(name)) return name;
  return undefined;
}

/** The request plus the platform's own overhead, in the platform's units (millicores, MiB). */
function withOverhead(request: Resources, o: Offering): { cpu: number; memoryMiB: number } | undefined {
  const s = o.serverless;
  if (!s) return undefined;
  return {
    cpu: (request[CPU] ?? 0) + s.overhead.cpu,
    memoryMiB: Math.ceil((request[MEMORY] ?? 0) / MiB) + s.overhead.memoryMiB,
  };
}

/**
 * Rounds the request (+ overhead) up to the cheapest allowed shape that holds
 * it and prices that shape: perVcpuHour x vCPU + perGiBHour x GiB. Undefined
 * when the offering isn't serverless, the request needs a resource the
 * platform doesn't sell, or it is bigger than the largest shape.
 */
export function serverlessQuote(
  request: Resources,
  o: Offering,
): Required<Pick<Candidate, 'pricePerHour' | 'serverlessShape'>> | undefined {
  const s = o.serverless;
  const want = withOverhead(request, o);
  if (!s || !want || unsupportedResource(request) !== undefined) return undefined;
  let best: Required<Pick<Candidate, 'pricePerHour' | 'serverlessShape'>> | undefined;
  for (const range of s.shapes) {
    if (range.cpu < want.cpu || range.memoryMaxMiB < want.memoryMiB) continue;
    const above = want.memoryMiB - range.memoryMinMiB;
    const step = Math.max(range.memoryStepMiB, 1);
    const memoryMiB = above <= 0 ? range.memoryMinMiB : range.memoryMinMiB + Math.ceil(above / step) * step;
    if (memoryMiB > range.memoryMaxMiB) continue; // the steps skip past the top of this range
    const pricePerHour = (s.perVcpuHour * range.cpu) / 1000 + (s.perGiBHour * memoryMiB) / 1024;
    if (!best || pricePerHour < best.pricePerHour)
      best = { pricePerHour, serverlessShape: { cpu: range.cpu, memoryMiB } };
  }
  return best;
}

function largestShape(o: Offering): { cpu: number; memoryMiB: number } {
  return (o.serverless?.shapes ?? []).reduce(
    (m, r) => ({ cpu: Math.max(m.cpu, r.cpu), memoryMiB: Math.max(m.memoryMiB, r.memoryMaxMiB) }),
    { cpu: 0, memoryMiB: 0 },
  );
}

/**
 * Whether the platform may run this pod at all, by its documented limits
 * (placement/serverless-limits): the first rule the pod breaks, naming the
 * platform and the field, or undefined. Judged before any price.
 */
export function serverlessEligibility(
  request: Resources,
  o: Offering,
  features: PodFeatures,
): Rejection | undefined {
  const limits = limitsOf(o.family);
  if (!limits) {
    return { reason: 'serverless-limit', rule: 'platform', actual: o.family, wanted: 'documented limits' };
  }
  for (const feature in features) {
    const f = feature as PodFeature;
    if (limits.unsupported.has(f)) {
      return { reason: 'serverless-limit', rule: f, actual: limits.name, field: features[f] };
    }
  }
  const unsupported = unsupportedResource(request);
  if (unsupported !== undefined) {
    return { reason: 'serverless-limit', rule: unsupported, wanted: request[unsupported], actual: 0 };
  }
  const storage = request[EPHEMERAL_STORAGE] ?? 0;
  if (storage > limits.maxEphemeralStorageGiB * 1024 * MiB) {
    return {
      reason: 'serverless-limit',
      rule: EPHEMERAL_STORAGE,
      wanted: storage,
      actual: limits.name,
      field: `at most ${limits.maxEphemeralStorageGiB}Gi`,
    };
  }
  const want = withOverhead(request, o);
  if (want && (want.cpu > limits.maxCpu || want.memoryMiB > limits.maxMemoryMiB)) {
    return {
      reason: 'serverless-limit',
      rule: 'shape',
      wanted: `${want.cpu}m/${want.memoryMiB}Mi`,
      actual: `${limits.name} runs at most ${limits.maxCpu}m/${limits.maxMemoryMiB}Mi`,
    };
  }
  return undefined;
}

/** Why the pod gets no quote on this platform (not eligible, or bigger than any shape), for counts and misses. */
export function serverlessRejection(
  request: Resources,
  o: Offering,
  features: PodFeatures,
): Rejection | undefined {
  if (!o.serverless) return { reason: 'serverless-limit', rule: 'pricing', actual: 'no serverless pricing' };
  const ineligible = serverlessEligibility(request, o, features);
  if (ineligible) return ineligible;
  if (serverlessQuote(request, o)) return undefined;
  const want = withOverhead(request, o);
  const largest = largestShape(o);
  return {
    reason: 'serverless-limit',
    rule: 'shape',
    wanted: `${want?.cpu ?? 0}m/${want?.memoryMiB ?? 0}Mi`,
    actual: `largest ${largest.cpu}m/${largest.memoryMiB}Mi`,
  };
}
