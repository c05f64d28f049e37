import { describe, expect, it } from 'vitest';
import { Pacer } from '../../../providers/api-pacing.ts';
import { ARM_LIMITS, armCosts, retryAfterMs } from '../../../providers/azure/arm-pacing.ts';
import { computeLimits, pacedComputeClient, quotaGroupOf } from '../../../providers/gcp/compute-pacing.ts';

const SUB = 'https://management.azure.com/subscriptions/s/resourceGroups/rg/providers';

describe("ARM's buckets", () => {
  it('sorts requests into reads, writes and deletes, and a VM PUT into Compute’s VM creation policy too', () => {
    expect(armCosts('GET', `${SUB}/Microsoft.Compute/virtualMachines/vm-1?api-version=1`)).toEqual([
      { bucket: 'reads', cost: 1 },
    ]);
    expect(armCosts('PUT', `${SUB}/Microsoft.Compute/virtualMachines/vm-1?api-version=1`)).toEqual([
      { bucket: 'writes', cost: 1 },
      { bucket: 'compute-put-vm', cost: 1 },
    ]);
    expect(armCosts('PUT', `${SUB}/Microsoft.Network/networkInterfaces/nic-1`)).toEqual([
      { bucket: 'writes', cost: 1 },
    ]);
    expect(armCosts('DELETE', `${SUB}/Microsoft.Compute/virtualMachines/vm-1`)).toEqual([
      { bucket: 'deletes', cost: 1 },
    ]);
    expect(ARM_LIMITS.writes).toEqual({ capacity: 200, refillPerSecond: 10 });
  });

  it('reads Retry-After as seconds or as a date', () => {
    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs(new Date(61_000).toUTCString(), 1_000)).toBe(60_000);
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});

describe("Compute Engine's quota groups", () => {
  it('paces a minute’s quota as a quarter of it at once, the rest spread over the minute', () => {
    expect(computeLimits({ write: 600 }).write).toEqual({ capacity: 150, refillPerSecond: 10 });
    expect(quotaGroupOf('instances', 'insert')).toBe('write');
    expect(quotaGroupOf('instances', 'bulkInsert')).toBe('write');
    expect(quotaGroupOf('instances', 'aggregatedListAsync')).toBe('read');
    expect(quotaGroupOf('operations', 'wait')).toBe('operation-read');
  });

  it('paces a client’s methods in their group and sends a rate-limited call again', async () => {
    const pacer = new Pacer({
      cloud: 'gcp',
      limits: computeLimits(),
      tuning: { headroom: 1 },
      onThrottle: () => {},
    });
    let sent = 0;
    const client = pacedComputeClient(
      {
        async insert(name: string) {
          sent += 1;
          if (sent === 1) throw Object.assign(new Error('Rate Limit Exceeded'), { httpStatusCode: 429 });
          return [`inserted ${name}`];
        },
        async get() {
          return ['vm'];
        },
      },
      'instances',
      pacer,
    );
    expect(await client.get()).toEqual(['vm']);
    expect(await client.insert('vm-1')).toEqual(['inserted vm-1']);
    const s = pacer.stats();
    expect(s.read?.requests).toBe(1);
    expect(s.write?.requests).toBe(2);
    expect(s.write?.throttled).toBe(1);
  });
});
