import type { V1PodSpec } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { loadPreset } from '../../../policies/presets.ts';
import type { Offering, OfferingIndex } from '../../../src/model/index.ts';
import { BURSTABLE_BASELINES, burstCharge } from '../../../src/placement/burstable.ts';
import { describeRejection } from '../../../src/placement/explain.ts';
import { nodeAllocatable } from '../../../src/placement/node-reserved.ts';
import { buildIndex } from '../../../src/placement/offering-index.ts';
import { sizePod } from '../../../src/placement/sizing.ts';
import { decide } from '../../../src/placement/solver.ts';
import { offering, policy } from './solver-fixtures.ts';

function podAsking(cpu: string, memory: string): V1PodSpec {
  return { containers: [{ name: 'build', image: 'builder', resources: { requests: { cpu, memory } } }] };
}

const catalog = loadCatalog({ regions: ['us-east-1', 'us-central1', 'eastus'] }).offerings;
let awsIndex: OfferingIndex | undefined;
function aws(): OfferingIndex {
  awsIndex ??= buildIndex(
    catalog.filter((o) => o.cloud === 'aws'),
    nodeAllocatable,
  );
  return awsIndex;
}

function decideFor(spec: V1PodSpec, presetName: string, index: OfferingIndex) {
  const p = loadPreset(presetName);
  return decide({
    pod: { namespace: 'ci', name: 'build' },
    sizing: sizePod({ spec, policy: p }),
    podSpec: spec,
    policy: p,
    index,
  });
}

const t = (instanceType: string, over: Partial<Offering> = {}) =>
  offering({ instanceType, burstable: true, pricePerHour: 0.1, ...over });

describe('burstable baselines', () => {
  it('has a baseline for every burstable machine in the embedded catalog', () => {
    const burstable = catalog.filter((o) => o.burstable);
    expect(burstable.length).toBeGreaterThan(0);
    for (const o of burstable) expect(BURSTABLE_BASELINES[o.instanceType], o.instanceType).toBeDefined();
  });

  it('gives a t2.2xlarge 1.35 vCPU of its 8 and a t3.2xlarge 3.2', () => {
    expect(BURSTABLE_BASELINES['t2.2xlarge']?.baselineCpu).toBe(1350);
    expect(BURSTABLE_BASELINES['t3.2xlarge']?.baselineCpu).toBe(3200);
    expect(BURSTABLE_BASELINES['e2-micro']?.baselineCpu).toBe(250);
    expect(BURSTABLE_BASELINES.Standard_B2s?.baselineCpu).toBe(400);
    expect(BURSTABLE_BASELINES.Standard_B2pts_v2?.baselineCpu).toBe(200);
  });
});

describe('burstCharge', () => {
  it('adds unlimited-mode surplus credits above the baseline on T3, T3a and T4g', () => {
    // 4.4 vCPU on a t3.2xlarge (baseline 3.2): 1.2 vCPU x $0.05
    expect(burstCharge(t('t3.2xlarge'), 4400, policy())).toBeCloseTo(0.06, 12);
    expect(burstCharge(t('t4g.small'), 1000, policy())).toBeCloseTo(0.6 * 0.04, 12);
    expect(burstCharge(t('t3.2xlarge'), 3200, policy())).toBe(0);
  });

  it('rules out T2 (standard mode), Azure B and GCP shared-core above the baseline, not at it', () => {
    expect(burstCharge(t('t2.2xlarge'), 4400, policy())).toMatchObject({
      reason: 'burstable',
      rule: 'standard-mode',
    });
    expect(burstCharge(t('t2.small'), 200, policy())).toBe(0);
    expect(burstCharge(t('Standard_B2s', { cloud: 'azure' }), 500, policy())).toMatchObject({
      reason: 'burstable',
    });
    expect(burstCharge(t('Standard_B2s', { cloud: 'azure' }), 400, policy())).toBe(0);
    expect(burstCharge(t('e2-medium', { cloud: 'gcp' }), 1200, policy())).toMatchObject({
      reason: 'burstable',
    });
    const r = burstCharge(t('t2.2xlarge'), 4400, policy());
    expect(typeof r !== 'number' && describeRejection(r)).toBe(
      'burstable below the request: needs 4.4 sustained, baseline 1.35 (standard mode throttles it)',
    );
  });

  it('leaves machines that are not burstable alone, and a policy can exclude burstable outright', () => {
    expect(burstCharge(offering({ instanceType: 'm5.large', pricePerHour: 0.096 }), 1900, policy())).toBe(0);
    const r = burstCharge(t('t3.micro'), 100, policy({ burstable: false }));
    expect(r).toMatchObject({ reason: 'policy', rule: 'burstable' });
    expect(typeof r !== 'number' && describeRejection(r)).toBe('burstable allows false, is t3.micro');
  });
});

describe('burstable machines in a decision', () => {
  it('under ci-burst, a 4-CPU build pod no longer lands on a t2.2xlarge (baseline 1.35 vCPU)', () => {
    const d = decideFor(podAsking('4', '8Gi'), 'ci-burst', aws());
    expect(d.chosen).toBeDefined();
    for (const c of [d.chosen!, ...d.fallbacks]) {
      expect(c.offering.instanceType).not.toMatch(/^t2\./);
      if (c.offering.burstable) {
        const credits = burstCharge(c.offering, d.sizing.minimum.cpu ?? 0, loadPreset('ci-burst'));
        expect(c.cpuCreditPricePerHour).toBe(credits);
        expect(c.pricePerHour).toBeGreaterThan(c.offering.pricePerHour + (credits as number));
      }
    }
    expect(d.rejected.burstable).toBeGreaterThan(0);
  });

  it('under ci-burst, a 250m pod pays for the credits of its request (not the 500m minimum) instead of landing on a t2.small', () => {
    const d = decideFor(podAsking('250m', '256Mi'), 'ci-burst', aws());
    expect(d.sizing.need.cpu).toBe(500);
    const need = d.sizing.minimum.cpu ?? 0;
    expect(need).toBe(250);
    expect(d.chosen).toBeDefined();
    for (const c of [d.chosen!, ...d.fallbacks]) {
      expect(c.offering.instanceType).not.toBe('t2.small');
      // Whatever burstable machine is chosen is charged exactly its credits above the baseline.
      expect(c.cpuCreditPricePerHour ?? 0).toBe(burstCharge(c.offering, need, loadPreset('ci-burst')));
      if (c.offering.instanceType.startsWith('t2.')) {
        expect(BURSTABLE_BASELINES[c.offering.instanceType]!.baselineCpu).toBeGreaterThanOrEqual(need);
      }
    }
  });

  it('with burstable: false, never a burstable machine', () => {
    const p = { ...loadPreset('default'), burstable: false };
    const spec = podAsking('250m', '256Mi');
    const d = decide({
      pod: { namespace: 'ci', name: 'small' },
      sizing: sizePod({ spec, policy: p }),
      podSpec: spec,
      policy: p,
      index: aws(),
    });
    for (const c of [d.chosen!, ...d.fallbacks]) expect(c.offering.burstable).not.toBe(true);
    expect(d.rejected.policy).toBeGreaterThan(0);
  });
});
