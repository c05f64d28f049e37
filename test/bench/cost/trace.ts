/**
 * A seeded week of a multi-tenant cluster, the workload berth is built for:
 * three CI tenants with working-hours peaks and merge-train bursts, an ML
 * team's GPU training jobs, and a few always-on services. Every parameter is
 * here and printed with the results; where a published figure exists it is
 * named, the rest are labelled assumptions.
 */
import { Random } from '../../fixtures/random.ts';

export type PodKind = 'ci' | 'ml' | 'service';

export interface TracePod {
  id: string;
  tenant: string;
  kind: PodKind;
  /** The policy preset its namespace uses. */
  policy: string;
  /** Seconds from the start of the week. */
  start: number;
  /** Seconds the pod runs once its node is ready. */
  duration: number;
  /** Requests: millicores, MiB, GPUs. */
  cpu: number;
  memoryMiB: number;
  gpus: number;
}

interface CiTenant {
  name: string;
  /** Pods per hour at the working-hours peak. */
  peakPerHour: number;
  /** Merge-train or monorepo fan-out bursts per working day. */
  burstsPerDay: number;
  /** Pods per burst, uniform in this range, all arriving within `BURST_SPREAD_S`. */
  burstPods: [number, number];
}

export interface TraceParameters {
  days: number;
  ciTenants: CiTenant[];
  /** CI requests (cpu millicores, memory MiB) and their weights. */
  ciShapes: (readonly [readonly [number, number], number])[];
  /** CI durations: log-normal median and sigma (seconds), capped. */
  ciDuration: { medianS: number; sigma: number; maxS: number };
  /** ML training jobs per working day, each one GPU, these requests, this duration range. */
  ml: { jobsPerDay: number; cpu: number; memoryMiB: number; durationS: [number, number] };
  /** Always-on services: requests, and how many of each. */
  services: { cpu: number; memoryMiB: number; replicas: number }[];
}

const HOUR = 3600;
const DAY = 24 * HOUR;
const BURST_SPREAD_S = 120;

/**
 * Defaults. Assumptions unless a source is named: the arrival profile follows
 * a working day in one time zone (09-18 full rate, 07-09 and 18-21 at 40%,
 * nights at 8%, weekends at 10%); CI durations follow the long-tailed build
 * times CI providers report (median about 5 minutes); CI requests are the
 * runner sizes teams commonly set (250m to 8 CPU).
 */
export const DEFAULT_TRACE: TraceParameters = {
  days: 7,
  ciTenants: [
    { name: 'ci-web', peakPerHour: 220, burstsPerDay: 3, burstPods: [50, 300] },
    { name: 'ci-mobile', peakPerHour: 120, burstsPerDay: 2, burstPods: [40, 150] },
    { name: 'ci-data', peakPerHour: 80, burstsPerDay: 2, burstPods: [20, 120] },
  ],
  ciShapes: [
    [[250, 512], 20],
    [[500, 1024], 25],
    [[1000, 2048], 25],
    [[2000, 4096], 15],
    [[4000, 8192], 10],
    [[8000, 16384], 5],
  ],
  ciDuration: { medianS: 300, sigma: 0.8, maxS: 3600 },
  ml: { jobsPerDay: 20, cpu: 3000, memoryMiB: 12288, durationS: [1800, 4 * HOUR] },
  services: [
    { cpu: 1000, memoryMiB: 2048, replicas: 4 },
    { cpu: 2000, memoryMiB: 4096, replicas: 2 },
  ],
};

/** Share of the peak arrival rate at a moment of the week (day 0 is a Monday). */
export function arrivalFactor(t: number): number {
  const day = Math.floor(t / DAY) % 7;
  const hour = (t % DAY) / HOUR;
  if (day >= 5) return 0.1;
  if (hour >= 9 && hour < 18) return 1;
  if ((hour >= 7 && hour < 9) || (hour >= 18 && hour < 21)) return 0.4;
  return 0.08;
}

function isWorkingDay(day: number): boolean {
  return day % 7 < 5;
}

export function generateTrace(seed: number, p: TraceParameters = DEFAULT_TRACE): TracePod[] {
  const pods: TracePod[] = [];
  const end = p.days * DAY;
  const ciPod = (rng: Random, tenant: string, start: number): TracePod => {
    const [cpu, memoryMiB] = rng.pick(p.ciShapes);
    const duration = Math.min(
      p.ciDuration.maxS,
      Math.max(20, Math.round(rng.logNormal(p.ciDuration.medianS, p.ciDuration.sigma))),
    );
    return {
      id: `${tenant}-${pods.length}`,
      tenant,
      kind: 'ci',
      policy: 'ci-burst',
      start: Math.round(start),
      duration,
      cpu,
      memoryMiB,
      gpus: 0,
    };
  };

  for (const tenant of p.ciTenants) {
    const rng = new Random(seed, tenant.name);
    // A non-homogeneous Poisson process by thinning: draw at the peak rate, keep by the profile.
    const peakRate = tenant.peakPerHour / HOUR;
    for (let t = rng.exponential(peakRate); t < end; t += rng.exponential(peakRate)) {
      if (rng.next() < arrivalFactor(t)) pods.push(ciPod(rng, tenant.name, t));
    }
    for (let day = 0; day < p.days; day++) {
      if (!isWorkingDay(day)) continue;
      for (let b = 0; b < tenant.burstsPerDay; b++) {
        const at = day * DAY + rng.between(9 * HOUR, 18 * HOUR);
        const n = rng.int(tenant.burstPods[0], tenant.burstPods[1]);
        for (let i = 0; i < n; i++) pods.push(ciPod(rng, tenant.name, at + rng.between(0, BURST_SPREAD_S)));
      }
    }
  }

  const ml = new Random(seed, 'ml');
  for (let day = 0; day < p.days; day++) {
    if (!isWorkingDay(day)) continue;
    for (let j = 0; j < p.ml.jobsPerDay; j++) {
      const [lo, hi] = p.ml.durationS;
      pods.push({
        id: `ml-${pods.length}`,
        tenant: 'ml',
        kind: 'ml',
        policy: 'ml-gpu',
        start: Math.round(day * DAY + ml.between(8 * HOUR, 20 * HOUR)),
        // Log-uniform: as many short experiments as long runs.
        duration: Math.round(lo * (hi / lo) ** ml.next()),
        cpu: p.ml.cpu,
        memoryMiB: p.ml.memoryMiB,
        gpus: 1,
      });
    }
  }

  for (const [i, s] of p.services.entries()) {
    for (let r = 0; r < s.replicas; r++) {
      pods.push({
        id: `svc-${i}-${r}`,
        tenant: 'services',
        kind: 'service',
        policy: 'default',
        start: 0,
        duration: end,
        cpu: s.cpu,
        memoryMiB: s.memoryMiB,
        gpus: 0,
      });
    }
  }
  return pods.sort((a, b) => a.start - b.start || a.id.localeCompare(b.id));
}
