import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/server/metrics.ts';

const UNITS = ['seconds', 'bytes', 'dollars', 'ratio'];

describe('metrics follow Prometheus naming', () => {
  it('names are snake case, counters end in _total, units come last, nothing is double-prefixed', async () => {
    const metrics = createMetrics();
    const all = await metrics.registry.getMetricsAsJSON();
    const ours = all.filter((m) => m.name.startsWith('berth_'));
    expect(ours.length).toBeGreaterThan(5);
    for (const m of all) {
      expect(m.name, m.name).toMatch(/^[a-z_][a-z0-9_]*$/);
      expect(m.name, m.name).not.toMatch(/^berth_process_/);
      if (String(m.type) === 'counter') expect(m.name, m.name).toMatch(/_total$/);
    }
    for (const m of ours) {
      const base = m.name.replace(/_total$/, '');
      for (const unit of UNITS) {
        if (base.includes(`_${unit}_`)) throw new Error(`${m.name}: the unit ${unit} must come last`);
      }
    }
    // The process metrics every Prometheus client exports, under their usual names.
    expect(all.map((m) => m.name)).toContain('process_cpu_seconds_total');
  });
});
