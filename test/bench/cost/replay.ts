/**
 * Every pod of a trace through the engine and policies the controller uses,
 * each on a machine (or serverless slice) of its own, bought at the pod's
 * arrival and paid from then until the pod ends: the boot time, then the run.
 */
import type { V1Pod } from '@kubernetes/client-node';
import { chargedSeconds } from '../../../src/cost/cost-model.ts';
import type { Candidate, CostInterval, Decision, Policy } from '../../../src/model/index.ts';
import { BURSTABLE_BASELINES } from '../../../src/placement/burstable.ts';
import type { PlacementEngine } from '../../../src/placement/engine.ts';
import type { TracePod } from './trace.ts';

export interface Placement {
  pod: TracePod;
  instanceType: string;
  capacityType: string;
  pricePerHour: number;
  /**
   * What the pod pays for: the machine's vCPU (millicores) and MiB, or its
   * serverless slice; on a burstable machine, the CPU its price sustains (the
   * baseline, or the request when credits are bought above it).
   */
  paidCpu: number;
  paidMemoryMiB: number;
  billedSeconds: number;
  cost: number;
  /** The machine's size and its on-demand twin's price, as the ledger records them. */
  machine?: { cpu: number; memoryMiB: number; gpus?: number };
  onDemandPricePerHour?: number;
}

export interface Replay {
  placements: Placement[];
  /** Pods nothing fitted, by the decision's explanation. */
  unplaced: Map<string, number>;
}

export function tracePodObject(p: TracePod): V1Pod {
  const requests: Record<string, string> = { cpu: `${p.cpu}m`, memory: `${p.memoryMiB}Mi` };
  const limits: Record<string, string> = {};
  if (p.gpus > 0) {
    requests['nvidia.com/gpu'] = String(p.gpus);
    limits['nvidia.com/gpu'] = String(p.gpus);
  }
  return {
    metadata: { namespace: p.tenant, name: p.id },
    spec: { containers: [{ name: 'main', image: 'work', resources: { requests, limits } }] },
  };
}

function paidCpu(c: Candidate, pod: TracePod): number {
  if (c.serverlessShape) return c.serverlessShape.cpu;
  const baseline = c.offering.burstable
    ? BURSTABLE_BASELINES[c.offering.instanceType]?.baselineCpu
    : undefined;
  return baseline === undefined ? c.offering.cpu : Math.max(baseline, pod.cpu - (c.cpuTrim ?? 0));
}

function placedTwin(engine: PlacementEngine, c: Candidate): { onDemandPricePerHour?: number } {
  const twin = engine.placed(c.offering, c.pricePerHour).onDemandPricePerHour;
  return twin === undefined ? {} : { onDemandPricePerHour: twin };
}

/** The ledger's record of a placement, as if the week started at `epochMs`. */
export function asInterval(p: Placement, epochMs: number, bootS: number): CostInterval {
  const at = (s: number) => new Date(epochMs + s * 1000).toISOString();
  return {
    berth: `${p.pod.tenant}/${p.pod.id}`,
    pod: { namespace: p.pod.tenant, name: p.pod.id, uid: p.pod.id },
    labels: {},
    offeringId: p.instanceType,
    cloud: 'aws',
    region: 'us-east-1',
    instanceType: p.instanceType,
    capacityType: p.capacityType as CostInterval['capacityType'],
    pricePerHour: p.pricePerHour,
    ...(p.onDemandPricePerHour !== undefined ? { onDemandPricePerHour: p.onDemandPricePerHour } : {}),
    start: at(p.pod.start),
    end: at(p.pod.start + bootS + p.pod.duration),
    ...(p.machine ? { machine: p.machine } : {}),
  };
}

/** Equal pods under one policy get equal decisions (the engine is pure), so each shape is decided once. */
export function replayBerth(
  pods: readonly TracePod[],
  engine: PlacementEngine,
  policyOf: (pod: TracePod) => Policy,
  bootS: number,
): Replay {
  const decisions = new Map<string, Decision>();
  const out: Replay = { placements: [], unplaced: new Map() };
  for (const pod of pods) {
    const policy = policyOf(pod);
    const key = `${policy.name}|${pod.cpu}|${pod.memoryMiB}|${pod.gpus}`;
    let d = decisions.get(key);
    if (!d) {
      // Decided at creation, as the webhook does: shape fit may trim the request.
      d = engine.decide(tracePodObject(pod), policy, [], new Set(), undefined, { shapeFit: true });
      decisions.set(key, d);
    }
    const c = d.chosen;
    if (!c) {
      out.unplaced.set(d.explanation, (out.unplaced.get(d.explanation) ?? 0) + 1);
      continue;
    }
    const billed = chargedSeconds(bootS + pod.duration);
    out.placements.push({
      pod,
      instanceType: c.offering.instanceType,
      capacityType: c.offering.capacityType,
      pricePerHour: c.pricePerHour,
      paidCpu: paidCpu(c, pod),
      paidMemoryMiB: c.serverlessShape?.memoryMiB ?? c.offering.memoryMiB,
      billedSeconds: billed,
      cost: (c.pricePerHour * billed) / 3600,
      ...(c.serverlessShape
        ? {}
        : {
            machine: {
              cpu: c.offering.cpu,
              memoryMiB: c.offering.memoryMiB,
              gpus: c.offering.gpu?.count ?? 0,
            },
          }),
      ...placedTwin(engine, c),
    });
  }
  return out;
}
