import { CPU, MEMORY, type Offering, type PackedShare, type Policy, type Resources } from '../model/index.ts';
import { nodeAllocatable } from './node-reserved.ts';

/**
 * The price of isolation, for one pod: what it would pay as its share of a
 * shared node (the larger of its cpu and memory shares of the machine's
 * allocatable, on the machine type where that share costs least), to set
 * beside what its dedicated machine costs. Small pods pay most for isolation:
 * the cheapest machine is still a whole machine.
 */

/** A machine a pod could share, reduced to what sharing costs per millicore and per byte. */
interface SharedMachine {
  offering: Offering;
  perMillicore: number;
  perByte: number;
}

/**
 * The machines worth sharing: general ones (no GPU, not burstable, not
 * serverless), and of those only the ones no other beats on both rates.
 */
export function sharedMachines(offerings: readonly Offering[]): SharedMachine[] {
  const all: SharedMachine[] = [];
  for (const o of offerings) {
    if (o.gpu || o.burstable || o.capacityType === 'serverless') continue;
    const a = nodeAllocatable(o);
    const cpu = a[CPU] ?? 0;
    const memory = a[MEMORY] ?? 0;
    if (cpu <= 0 || memory <= 0) continue;
    all.push({ offering: o, perMillicore: o.pricePerHour / cpu, perByte: o.pricePerHour / memory });
  }
  all.sort((a, b) => a.perMillicore - b.perMillicore || a.perByte - b.perByte);
  // A Pareto frontier per cloud, capacity type and arch, which policies filter on.
  const frontier: SharedMachine[] = [];
  const bestPerByte = new Map<string, number>();
  for (const m of all) {
    const key = `${m.offering.cloud}/${m.offering.capacityType}/${m.offering.arch}`;
    if (m.perByte < (bestPerByte.get(key) ?? Number.POSITIVE_INFINITY)) {
      frontier.push(m);
      bestPerByte.set(key, m.perByte);
    }
  }
  return frontier;
}

/** The pod's cheapest share among the machines its policy allows; undefined for GPU pods or when none is allowed. */
export function packedShare(
  machines: readonly SharedMachine[],
  request: Resources,
  policy: Policy,
): PackedShare | undefined {
  let best: PackedShare | undefined;
  for (const m of machines) {
    const o = m.offering;
    if (!policy.clouds.includes(o.cloud) || !policy.capacityTypes.includes(o.capacityType)) continue;
    if (!policy.architectures.includes(o.arch)) continue;
    const price = Math.max((request[CPU] ?? 0) * m.perMillicore, (request[MEMORY] ?? 0) * m.perByte);
    if (!best || price < best.pricePerHour) best = { offering: o, pricePerHour: price };
  }
  return best;
}
