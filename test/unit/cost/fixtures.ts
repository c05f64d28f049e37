import type { CostInterval } from '../../../src/model/index.ts';

/** An hour on an m5.large spot machine in `team-a`, overridable field by field. */
export function interval(overrides: Partial<CostInterval> = {}): CostInterval {
  return {
    berth: 'team-a/build-1',
    pod: { namespace: 'team-a', name: 'build-1', uid: 'uid-1' },
    labels: { team: 'platform' },
    offeringId: 'aws/us-east-1/us-east-1a/m5.large/spot',
    cloud: 'aws',
    region: 'us-east-1',
    zone: 'us-east-1a',
    instanceType: 'm5.large',
    capacityType: 'spot',
    pricePerHour: 0.04,
    onDemandPricePerHour: 0.096,
    start: '2025-01-01T00:00:00Z',
    end: '2025-01-01T01:00:00Z',
    ...overrides,
  };
}
