import { describe, expect, it } from 'vitest';
import { catalogAges } from '../../../src/controller/catalog-age.ts';
import { testOffering } from '../../fixtures/offering.ts';

describe('catalogAges', () => {
  const now = Date.parse('2025-01-11T00:00:00Z');

  it('reports the oldest price per cloud and capacity type', () => {
    const ages = catalogAges(
      [
        testOffering({ capacityType: 'on-demand', observedAt: '2025-01-10T00:00:00Z' }),
        testOffering({
          capacityType: 'on-demand',
          instanceType: 'm5.xlarge',
          observedAt: '2025-01-01T00:00:00Z',
        }),
        testOffering({ capacityType: 'spot', observedAt: '2025-01-10T12:00:00Z' }),
        testOffering({ cloud: 'gcp', capacityType: 'spot', observedAt: '2025-01-09T00:00:00Z' }),
      ],
      now,
    );
    const byKind = Object.fromEntries(ages.map((a) => [`${a.cloud}/${a.capacityType}`, a.seconds]));
    expect(byKind).toEqual({
      'aws/on-demand': 10 * 86_400,
      'aws/spot': 12 * 3_600,
      'gcp/spot': 2 * 86_400,
    });
  });

  it('skips unreadable times and never reports a negative age', () => {
    const ages = catalogAges(
      [
        testOffering({ observedAt: 'not a time' }),
        testOffering({ capacityType: 'on-demand', observedAt: '2025-02-01T00:00:00Z' }),
      ],
      now,
    );
    expect(ages).toEqual([{ cloud: 'aws', capacityType: 'on-demand', seconds: 0 }]);
  });
});
