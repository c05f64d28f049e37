import type { BerthObject, CapacityType } from '../model/index.ts';

export interface RunningTotals {
  nodes: number;
  /** Dollars per hour, exact to a millionth. */
  pricePerHour: number;
}

/**
 * What berth runs now, per capacity type: the Bound Berths' nodes and the
 * sum of their hourly prices. Summed in millionths of a dollar, since adding
 * floats would print 0.30000000000000004 on /metrics.
 */
export function runningTotals(berths: readonly BerthObject[]): Map<CapacityType, RunningTotals> {
  const micros = new Map<CapacityType, { nodes: number; micros: number }>();
  for (const b of berths) {
    const o = b.spec.offering;
    if (b.status?.phase !== 'Bound' || !o) continue;
    const t = micros.get(o.capacityType) ?? { nodes: 0, micros: 0 };
    t.nodes += 1;
    t.micros += Math.round(o.pricePerHour * 1e6);
    micros.set(o.capacityType, t);
  }
  return new Map([...micros].map(([k, t]) => [k, { nodes: t.nodes, pricePerHour: t.micros / 1e6 }]));
}
