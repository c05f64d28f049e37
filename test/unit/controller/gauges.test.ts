import { describe, expect, it } from 'vitest';
import { runningTotals } from '../../../src/controller/gauges.ts';
import {
  BERTH_API_VERSION,
  BERTH_KIND,
  type BerthObject,
  type BerthPhase,
} from '../../../src/model/index.ts';
import { testOffering } from '../../fixtures/offering.ts';

function berth(
  name: string,
  phase: BerthPhase,
  pricePerHour: number,
  capacityType: 'spot' | 'on-demand',
): BerthObject {
  const o = testOffering({ instanceType: name, capacityType, pricePerHour });
  const offering = {
    id: o.id,
    cloud: o.cloud,
    region: o.region,
    instanceType: o.instanceType,
    capacityType,
    pricePerHour,
    source: o.source,
  };
  return {
    apiVersion: BERTH_API_VERSION,
    kind: BERTH_KIND,
    metadata: { name, namespace: 'ns' },
    spec: {
      pod: { name, namespace: 'ns', uid: name },
      policy: 'default',
      offering,
      fallbacks: [],
      explanation: '',
    },
    status: { phase },
  };
}

describe('runningTotals', () => {
  it('counts Bound berths only, per capacity type, and sums prices without float noise', () => {
    const totals = runningTotals([
      berth('a', 'Bound', 0.1, 'spot'),
      berth('b', 'Bound', 0.2, 'spot'),
      berth('c', 'Launching', 5, 'spot'),
      berth('d', 'Bound', 0.096, 'on-demand'),
      berth('e', 'Terminated', 1, 'on-demand'),
    ]);
    expect(totals.get('spot')).toEqual({ nodes: 2, pricePerHour: 0.3 });
    expect(totals.get('on-demand')).toEqual({ nodes: 1, pricePerHour: 0.096 });
    expect(totals.has('serverless')).toBe(false);
  });
});
