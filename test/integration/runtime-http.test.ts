import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime/runtime.ts';
import { startBerth } from './berth-harness.ts';

describe('berth run serves /metrics on the port it really got', () => {
  let berth: Runtime;
  beforeAll(async () => {
    berth = await startBerth({ schedulerName: 'berth-http', http: { host: '127.0.0.1', port: 0 } });
  });
  afterAll(async () => {
    await berth?.stop();
  });

  it('asked for port 0, it says the real one, and /metrics follows Prometheus naming', async () => {
    expect(berth.httpAddress).toMatch(/^127\.0\.0\.1:\d+$/);
    const port = Number(berth.httpAddress?.split(':')[1]);
    expect(port).toBeGreaterThan(0);
    const res = await fetch(`http://${berth.httpAddress}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    // The oldest prices in use, per cloud and capacity type.
    expect(text).toMatch(/^berth_catalog_age_seconds\{cloud="aws",capacity_type="spot"\} \d+$/m);
    expect(text).toMatch(/^process_cpu_seconds_total /m);
    expect(text).not.toContain('berth_process_');
    expect((await fetch(`http://${berth.httpAddress}/readyz`)).status).toBe(200);
  });
});
