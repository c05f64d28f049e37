import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../providers/api-pacing.ts';
import { registerCloudApiMetrics } from '../../../src/server/cloud-api-metrics.ts';

describe('cloud API pacing metrics', () => {
  it('exposes each bucket’s calls, throttles, waits and rate by Prometheus naming', async () => {
    let t = 0;
    const pacer = new Pacer({
      cloud: 'aws',
      limits: { RunInstances: { capacity: 1, refillPerSecond: 2 } },
      clock: { now: () => t },
      tuning: { headroom: 1 },
      onThrottle: () => {},
    });
    pacer.reserve([{ bucket: 'RunInstances', cost: 1 }]);
    pacer.reserve([{ bucket: 'RunInstances', cost: 1 }]); // waits 0.5 s
    t = 500;
    pacer.throttled([{ bucket: 'RunInstances', cost: 1 }]);
    const registry = new Registry();
    registerCloudApiMetrics(registry, () =>
      Object.entries(pacer.stats()).map(([bucket, stats]) => ({ cloud: pacer.cloud, bucket, stats })),
    );
    const text = await registry.metrics();
    expect(text).toContain('berth_cloud_api_requests_total{cloud="aws",bucket="RunInstances"} 2');
    expect(text).toContain('berth_cloud_api_throttled_total{cloud="aws",bucket="RunInstances"} 1');
    expect(text).toContain('berth_cloud_api_wait_seconds_total{cloud="aws",bucket="RunInstances"} 0.5');
    expect(text).toContain('berth_cloud_api_refill_tokens_per_second{cloud="aws",bucket="RunInstances"} 1');
  });
});
