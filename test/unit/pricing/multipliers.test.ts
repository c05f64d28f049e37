import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { applyMultipliers, multiplierFor, parsePriceMultipliers } from '../../../pricing/multipliers.ts';
import { InputError, type Offering, offeringId } from '../../../src/model/index.ts';

function offering(over: Partial<Offering> & Pick<Offering, 'instanceType' | 'capacityType'>): Offering {
  const cloud = over.cloud ?? 'aws';
  return {
    id: offeringId({ cloud, region: 'us-east-1', ...over }),
    cloud,
    region: 'us-east-1',
    family: over.instanceType.split('.')[0] ?? over.instanceType,
    cpu: 2000,
    memoryMiB: 8192,
    arch: 'amd64',
    pricePerHour: 0.1,
    source: { kind: 'live', origin: 'test', estimated: false },
    observedAt: '2026-06-01T00:00:00.000Z',
    ...over,
  };
}

describe('applyMultipliers', () => {
  const m5 = offering({ instanceType: 'm5.large', capacityType: 'on-demand', pricePerHour: 0.096 });
  const m5Spot = offering({
    instanceType: 'm5.large',
    capacityType: 'spot',
    pricePerHour: 0.04,
    zone: 'us-east-1a',
  });
  const c5 = offering({ instanceType: 'c5.large', capacityType: 'on-demand', pricePerHour: 0.085 });
  const n2 = offering({
    cloud: 'gcp',
    instanceType: 'n2-standard-2',
    family: 'n2',
    capacityType: 'on-demand',
  });

  it('multiplies every factor that names the offering: cloud x family x capacity type', () => {
    const out = applyMultipliers([m5, m5Spot, c5, n2], {
      cloud: { aws: 0.9 },
      family: { m5: 0.5 },
      capacityType: { 'on-demand': 0.8 },
    });
    // gcp n2 is on-demand too: only the capacity-type factor names it.
    expect(out.map((o) => o.pricePerHour)).toEqual([0.03456, 0.018, 0.0612, 0.08]);
    expect(multiplierFor(m5, { cloud: { aws: 0.9 }, family: { m5: 0.5 } })).toBeCloseTo(0.45, 12);
  });

  it('is pure: the input offerings keep their prices, untouched ones are returned as they are', () => {
    const input = [m5, n2];
    const out = applyMultipliers(input, { cloud: { aws: 0.9 } });
    expect(m5.pricePerHour).toBe(0.096);
    expect(out[0]).not.toBe(m5);
    expect(out[1]).toBe(n2);
    expect(applyMultipliers(input, {})).toEqual(input);
    expect(applyMultipliers(input, undefined)).not.toBe(input);
  });

  it('scales a serverless offering per vCPU-hour and per GiB-hour too', () => {
    const fargate = offering({
      instanceType: 'fargate-amd64',
      family: 'fargate',
      capacityType: 'serverless',
      pricePerHour: 1.18,
      serverless: {
        perVcpuHour: 0.04048,
        perGiBHour: 0.004445,
        overhead: { cpu: 0, memoryMiB: 256 },
        shapes: [],
      },
    });
    const [out] = applyMultipliers([fargate], { capacityType: { serverless: 0.5 } });
    expect(out?.pricePerHour).toBe(0.59);
    expect(out?.serverless).toMatchObject({ perVcpuHour: 0.02024, perGiBHour: 0.0022225 });
    expect(fargate.serverless?.perVcpuHour).toBe(0.04048);
  });

  it('applies to the embedded catalog as well as to live prices', () => {
    const embedded = loadCatalog({ clouds: ['aws'], regions: ['us-east-1'], onWarning: () => {} }).offerings;
    const od = embedded.find((o) => o.instanceType === 'm5.large' && o.capacityType === 'on-demand');
    expect(od).toBeDefined();
    const out = applyMultipliers(embedded, { cloud: { aws: 0.75 } });
    const scaled = out.find((o) => o.id === od?.id);
    expect(scaled?.pricePerHour).toBeCloseTo((od?.pricePerHour ?? 0) * 0.75, 12);
    expect(out).toHaveLength(embedded.length);
  });
});

describe('parsePriceMultipliers', () => {
  it('accepts the three tables', () => {
    const m = { cloud: { aws: 0.9 }, family: { m5: 0.95 }, capacityType: { spot: 1 } };
    expect(parsePriceMultipliers(m)).toEqual(m);
    expect(parsePriceMultipliers(undefined)).toEqual({});
  });

  it.each([
    [{ clouds: { aws: 0.9 } }, 'clouds', /unknown key "clouds"/],
    [{ cloud: { oracle: 0.9 } }, 'cloud.oracle', /unknown name "oracle"/],
    [{ capacityType: { reserved: 0.9 } }, 'capacityType.reserved', /unknown name "reserved"/],
    [{ family: { m5: 0 } }, 'family.m5', /above 0/],
    [{ family: { m5: '0.9' } }, 'family.m5', /above 0/],
    [{ cloud: { aws: Number.NaN } }, 'cloud.aws', /above 0/],
    [{ family: [0.9] }, 'family', /name: factor/],
  ])('rejects %j naming %s', (value, field, message) => {
    try {
      parsePriceMultipliers(value, 'berth.yaml');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).where).toEqual({ source: 'berth.yaml', field });
      expect((err as Error).message).toMatch(message);
    }
  });
});
