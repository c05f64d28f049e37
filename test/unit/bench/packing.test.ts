import { describe, expect, it } from 'vitest';
import { packOverTime } from '../../bench/cost/packing.ts';
import { generateTrace, type TracePod } from '../../bench/cost/trace.ts';

const pod = (id: string, start: number, duration: number, cpu: number): TracePod => ({
  id,
  tenant: 't',
  kind: 'ci',
  policy: 'ci-burst',
  start,
  duration,
  cpu,
  memoryMiB: 100,
  gpus: 0,
});
const machine = { instanceType: 'm', pricePerHour: 3.6, cpu: 2000, memoryMiB: 4000 };

describe('the cost bench', () => {
  it('packs pods arriving together largest first onto as few nodes as fit, and pays each node until its last pod ends', () => {
    // 1500m + 500m fill one node, 1000m + 1000m another: first fit decreasing, not arrival order.
    const r = packOverTime(
      [pod('a', 0, 100, 500), pod('b', 0, 100, 1000), pod('c', 0, 100, 1500), pod('d', 0, 300, 1000)],
      machine,
      10,
    );
    expect(r?.nodesBought).toBe(2);
    // Node 1 (c, a) runs 10 s boot + 100 s; node 2 (d, b) until d ends at 10 + 300 s. $3.6/h is $0.001/s.
    expect(r?.cost).toBeCloseTo(0.001 * (110 + 310), 9);
  });

  it('reuses a node with room instead of buying one, and bills a short node the minute minimum', () => {
    const r = packOverTime([pod('a', 0, 5, 500), pod('b', 1, 5, 500)], machine, 0);
    expect(r?.nodesBought).toBe(1);
    expect(r?.cost).toBeCloseTo(0.001 * 60, 9);
    expect(packOverTime([pod('big', 0, 5, 4000)], machine, 0)).toBeUndefined();
  });

  it('the trace is the same for the same seed and differs for another', () => {
    const a = generateTrace(7);
    expect(generateTrace(7)).toEqual(a);
    expect(generateTrace(8).length).not.toBe(a.length);
    expect(a.every((p, i) => i === 0 || a[i - 1]!.start <= p.start)).toBe(true);
  });
});
