import { Counter, Gauge, type Registry } from 'prom-client';
import { type BucketStats, sharedPacerStats } from '../../providers/api-pacing.ts';

/**
 * What the client-side pacing of cloud APIs does, per cloud and bucket (an
 * EC2 action or category, a Compute Engine quota group, ARM reads/writes):
 * calls paced, throttles the cloud still answered, time spent waiting for a
 * turn, and the refill rate now (below the documented one after throttles).
 * Read from the pacers when scraped.
 */
export function registerCloudApiMetrics(
  registry: Registry,
  source: () => { cloud: string; bucket: string; stats: BucketStats }[] = sharedPacerStats,
): void {
  const labelNames = ['cloud', 'bucket'] as const;
  const counter = (name: string, help: string, value: (s: BucketStats) => number) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        for (const { cloud, bucket, stats } of source()) this.inc({ cloud, bucket }, value(stats));
      },
    });
  counter('berth_cloud_api_requests_total', 'Cloud API calls paced, by cloud and bucket', (s) => s.requests);
  counter(
    'berth_cloud_api_throttled_total',
    'Cloud API calls the cloud still throttled (each slowed its bucket and was sent again)',
    (s) => s.throttled,
  );
  counter(
    'berth_cloud_api_wait_seconds_total',
    'Time cloud API calls waited for their turn in the bucket',
    (s) => s.waitSeconds,
  );
  new Gauge({
    name: 'berth_cloud_api_refill_tokens_per_second',
    help: 'The refill rate a bucket paces at now (the documented rate less headroom, or less after throttles)',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const { cloud, bucket, stats } of source()) this.set({ cloud, bucket }, stats.rate);
    },
  });
}
