import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  awsFamily,
  awsGpu,
  awsMaxPods,
  awsShape,
  estimateSpotPrice,
  SKIP_ACCELERATOR,
  SKIP_NON_KUBE_ARCH,
  wholeGpuMemory,
} from '../../../pricing/catalog/convert/aws.ts';
import {
  azureFamily,
  azureShape,
  azureSizeKey,
  buildAzureCatalog,
} from '../../../pricing/catalog/convert/azure.ts';
import { isoTime, naturalCompare, toKubeArch } from '../../../pricing/catalog/convert/common.ts';
import { gcpShape } from '../../../pricing/catalog/convert/gcp.ts';
import { normaliseGpuModel } from '../../../pricing/catalog/convert/gpu.ts';
import {
  expandShapeRow,
  largestShape,
  ratioShapeRanges,
  shapePrice,
} from '../../../pricing/catalog/convert/serverless.ts';
import type { AwsTypeSpec, AzureSizeSpec, GcpTypeSpec } from '../../../pricing/catalog/sources.ts';

/** Every memory size (MiB) a list of ranges allows for one CPU value. */
function allowedSizes(
  ranges: readonly { memoryMinMiB: number; memoryMaxMiB: number; memoryStepMiB: number }[],
) {
  const out: number[] = [];
  for (const r of ranges) for (let m = r.memoryMinMiB; m <= r.memoryMaxMiB; m += r.memoryStepMiB) out.push(m);
  return out.sort((a, b) => a - b);
}

const awsSpec = (over: Partial<AwsTypeSpec>): AwsTypeSpec => ({
  vcpu: 2,
  memoryMiB: 8192,
  arch: ['x86_64'],
  gpu: null,
  ...over,
});

describe('spot estimate', () => {
  it('applies the saving to the on-demand price', () => {
    expect(estimateSpotPrice(0.096, 66)).toBeCloseTo(0.096 * 0.34, 10);
    expect(estimateSpotPrice(1, 0)).toBe(1);
  });

  it('refuses savings that would make the machine free or dearer', () => {
    expect(estimateSpotPrice(0.5, 100)).toBeUndefined();
    expect(estimateSpotPrice(0.5, -3)).toBeUndefined();
    expect(estimateSpotPrice(0, 50)).toBeUndefined();
  });

  it('is never above on-demand and never free, and falls as the saving grows', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.001, max: 200, noNaN: true }),
        fc.integer({ min: 0, max: 98 }),
        (od, pct) => {
          const spot = estimateSpotPrice(od, pct);
          const deeper = estimateSpotPrice(od, pct + 1);
          expect(spot).toBeDefined();
          expect(spot).toBeGreaterThan(0);
          expect(spot).toBeLessThanOrEqual(od);
          expect(deeper).toBeLessThanOrEqual(spot ?? 0);
        },
      ),
    );
  });
});

describe('architecture', () => {
  it('maps the clouds spelling to Kubernetes spelling', () => {
    expect(toKubeArch('x86_64')).toBe('amd64');
    expect(toKubeArch(['arm64'])).toBe('arm64');
    expect(toKubeArch(['i386', 'x86_64'])).toBe('amd64');
  });

  it('drops Mac, 32-bit-only and unknown machines', () => {
    expect(toKubeArch(['x86_64_mac'])).toBeUndefined();
    expect(toKubeArch(['arm64_mac'])).toBeUndefined();
    expect(toKubeArch(['i386'])).toBeUndefined();
    expect(toKubeArch(null)).toBeUndefined();
    expect(awsShape('mac1.metal', awsSpec({ arch: ['x86_64_mac'] }), new Map())).toEqual({
      skip: SKIP_NON_KUBE_ARCH,
    });
  });
});

describe('GPU model names', () => {
  it.each([
    ['A10G', 'a10g'],
    ['T4', 't4'],
    ['NVIDIA H100 80GB', 'h100'],
    ['NVIDIA H100 80GB Mega', 'h100'],
    ['H100 NVL', 'h100'],
    ['A100 80GB PCIe', 'a100'],
    ['NVIDIA A100 40GB', 'a100'],
    ['V100 16GB', 'v100'],
    ['NVIDIA L4', 'l4'],
    ['L40S', 'l40s'],
    ['RTX PRO Server 6000', 'rtx-pro-6000'],
    ['NVIDIA RTX PRO 6000', 'rtx-pro-6000'],
    ['Radeon Pro V520', 'v520'],
    ['Radeon Instinct MI25 (partitioned)', 'mi25'],
    ['A10 (partitioned vGPU)', 'a10'],
    ['MI300X', 'mi300x'],
  ])('%s -> %s', (raw, expected) => {
    expect(normaliseGpuModel(raw)).toBe(expected);
  });

  it('gives nothing for a name with no model in it', () => {
    expect(normaliseGpuModel('NVIDIA')).toBeUndefined();
    expect(normaliseGpuModel('')).toBeUndefined();
  });

  it('is lower case, idempotent and free of spaces for any input', () => {
    fc.assert(
      fc.property(fc.string(), (raw) => {
        const once = normaliseGpuModel(raw);
        if (once === undefined) return;
        expect(once).toBe(once.toLowerCase());
        expect(once).not.toMatch(/\s/);
        expect(normaliseGpuModel(once)).toBe(once);
      }),
    );
  });
});

describe('AWS shapes', () => {
  it('computes max pods from the ENI limits', () => {
    expect(awsMaxPods({ maxNetworkInterfaces: 3, ipv4PerInterface: 10 })).toBe(29);
    expect(awsMaxPods({ maxNetworkInterfaces: 2, ipv4PerInterface: 2 })).toBe(4);
    expect(awsMaxPods({})).toBeUndefined();
  });

  it('takes the family before the first dot', () => {
    expect(awsFamily('m5.large')).toBe('m5');
    expect(awsFamily('p6-b200.48xlarge')).toBe('p6-b200');
  });

  it('turns a count-0 fractional GPU into its share of a whole one', () => {
    const whole = wholeGpuMemory({
      'g6.xlarge': awsSpec({ gpu: { count: 1, model: 'L4', memoryMiB: 22888 } }),
    });
    expect(awsGpu({ count: 0, model: 'L4', memoryMiB: 2861 }, whole)).toEqual({
      count: 0.125,
      model: 'l4',
      memoryMiB: 22888,
    });
    expect(awsGpu({ count: 0, model: 'T4', memoryMiB: 2048 }, whole)).toBeUndefined();
    expect(awsGpu({ count: 1, model: null, memoryMiB: null }, whole)).toBeUndefined();
  });

  it('builds a shape with millicores, GPU, max pods and burstable', () => {
    const result = awsShape(
      'g5.xlarge',
      awsSpec({
        vcpu: 4,
        memoryMiB: 16384,
        gpu: { count: 1, model: 'A10G', memoryMiB: 22888 },
        burstable: false,
        maxNetworkInterfaces: 4,
        ipv4PerInterface: 15,
      }),
      new Map(),
    );
    expect(result).toEqual({
      shape: {
        family: 'g5',
        cpu: 4000,
        memoryMiB: 16384,
        arch: 'amd64',
        gpu: { count: 1, model: 'a10g', memoryMiB: 22888 },
        maxPods: 58,
        burstable: false,
      },
    });
  });

  it('leaves out accelerators it does not model', () => {
    expect(awsShape('inf1.xlarge', awsSpec({ neuron: { count: 1 } }), new Map())).toEqual({
      skip: SKIP_ACCELERATOR,
    });
  });
});

describe('GCP shapes', () => {
  const spec = (over: Partial<GcpTypeSpec>): GcpTypeSpec => ({
    vcpu: 6,
    memoryMiB: 22528,
    arch: 'x86_64',
    gpu: null,
    sharedCpu: false,
    series: 'g4',
    ...over,
  });

  it('keeps fractional GPU counts as given', () => {
    const r = gcpShape(spec({ gpu: { count: 0.125, model: 'NVIDIA RTX PRO 6000', memoryMiB: 98304 } }));
    expect(r).toEqual({
      shape: {
        family: 'g4',
        cpu: 6000,
        memoryMiB: 22528,
        arch: 'amd64',
        gpu: { count: 0.125, model: 'rtx-pro-6000', memoryMiB: 98304 },
      },
    });
  });

  it('skips TPU hosts and marks shared-core types burstable', () => {
    expect(gcpShape(spec({ arch: null, tpu: { chips: 4 } }))).toHaveProperty('skip');
    const micro = gcpShape(spec({ vcpu: 2, memoryMiB: 1024, series: 'e2', sharedCpu: true }));
    expect('shape' in micro && micro.shape.burstable).toBe(true);
  });
});

describe('Azure', () => {
  const size = (over: Partial<AzureSizeSpec>): AzureSizeSpec => ({
    vcpu: 2,
    memoryMiB: 8192,
    arch: 'x86_64',
    gpu: null,
    ...over,
  });

  it('trims the price key', () => {
    expect(azureSizeKey('Standard_NM16ads_MA35D  ')).toBe('Standard_NM16ads_MA35D');
  });

  it('prices a size whose key carries trailing spaces under its real name', () => {
    const file = buildAzureCatalog({
      prices: {
        source: {
          repo: 'o/r',
          commit: 'abcdef1234567',
          path: 'p',
          license: 'Apache-2.0',
          generatedAt: '2026-06-18T03:43:41Z',
        },
        data: { eastus: { 'Standard_D2s_v5  ': 0.096, Standard_X9: 1 } },
      },
      vmSizes: {
        source: {
          repo: 'kubernetes/autoscaler',
          commit: 'abcdef1234567',
          path: 'q',
          license: 'Apache-2.0',
          fileLastCommit: { date: '2026-03-17T15:56:24-04:00' },
        },
        data: { Standard_D2s_v5: size({}) },
      },
    });
    expect(file.regions.eastus?.['on-demand']?.prices).toEqual({ Standard_D2s_v5: 0.096 });
    expect(Object.keys(file.shapes)).toEqual(['Standard_D2s_v5']);
    expect(file.skipped['no shape in the sources']).toEqual(['Standard_X9']);
    expect(file.sources[1]?.dataDate).toBe('2026-03-17T19:56:24.000Z');
  });

  it.each([
    ['Standard_D2s_v5', 'Dsv5'],
    ['Standard_E8-4s_v5', 'Esv5'],
    ['Standard_NC4as_T4_v3', 'NCasT4v3'],
    ['Standard_B2ms', 'Bms'],
    ['Standard_A1_v2', 'Av2'],
    ['Standard_D2as_v5_Promo', 'Dasv5'],
  ])('family of %s is %s', (name, family) => {
    expect(azureFamily(name)).toBe(family);
  });

  it('uses the available vCPUs of a constrained-core size and the share of a partitioned GPU', () => {
    const constrained = azureShape('Standard_E8-4s_v5', size({ vcpu: 8, vcpuAvailable: 4 }), false);
    expect('shape' in constrained && constrained.shape.cpu).toBe(4000);
    const partitioned = azureShape(
      'Standard_NV6ads_A10_v5',
      size({
        gpu: { count: 1, model: 'A10 (partitioned vGPU)', memoryMiB: 24576, gpuFraction: 0.1667 },
      }),
      true,
    );
    expect('shape' in partitioned && partitioned.shape.gpu).toEqual({
      count: 0.1667,
      model: 'a10',
      memoryMiB: 24576,
    });
    expect('shape' in partitioned && partitioned.shape.derivedShape).toBe(true);
    expect(
      azureShape(
        'Standard_NG8ads_V620_v1',
        size({ gpu: { count: 0, model: 'V620', memoryMiB: null } }),
        false,
      ),
    ).toHaveProperty('skip');
  });
});

describe('serverless shape tables', () => {
  it('expands an irregular list into evenly spaced runs that allow exactly the listed sizes', () => {
    const ranges = expandShapeRow(0.25, [0.5, 1, 2]);
    expect(ranges.every((r) => r.cpu === 250)).toBe(true);
    expect(allowedSizes(ranges)).toEqual([512, 1024, 2048]);
  });

  it('expands a from/to/step row', () => {
    expect(expandShapeRow(8, { from: 16, to: 60, step: 4 })).toEqual([
      { cpu: 8000, memoryMinMiB: 16384, memoryMaxMiB: 61440, memoryStepMiB: 4096 },
    ]);
  });

  it('allows exactly the sizes of any list', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 256 }), { minLength: 1, maxLength: 20 }),
        (halves) => {
          const gib = halves.map((h) => h / 2);
          const expected = [...halves].sort((a, b) => a - b).map((h) => h * 512);
          expect(allowedSizes(expandShapeRow(1, gib))).toEqual(expected);
        },
      ),
    );
  });

  it('bounds memory by the GiB-per-vCPU ratio and the minimum', () => {
    const ranges = ratioShapeRanges({
      cpuStep: 250,
      cpuMin: 250,
      cpuMax: 2000,
      memoryMinMiB: 512,
      memoryMaxMiB: 80 * 1024,
      minGiBPerVcpu: 1,
      maxGiBPerVcpu: 6.5,
      memoryStepMiB: 1,
    });
    expect(ranges.map((r) => r.cpu)).toEqual([250, 500, 750, 1000, 1250, 1500, 1750, 2000]);
    expect(ranges[0]).toEqual({ cpu: 250, memoryMinMiB: 512, memoryMaxMiB: 1664, memoryStepMiB: 1 });
    expect(ranges[3]).toEqual({ cpu: 1000, memoryMinMiB: 1024, memoryMaxMiB: 6656, memoryStepMiB: 1 });
  });

  it('prices the largest shape', () => {
    const entry = {
      perVcpuHour: 0.04,
      perGiBHour: 0.004,
      shapes: [...expandShapeRow(0.25, [0.5, 1, 2]), ...expandShapeRow(2, { from: 4, to: 16, step: 1 })],
    };
    expect(largestShape(entry)).toEqual({
      cpu: 2000,
      memoryMiB: 16384,
      pricePerHour: shapePrice(entry, 2000, 16384),
    });
    expect(shapePrice(entry, 2000, 16384)).toBeCloseTo(2 * 0.04 + 16 * 0.004, 10);
  });
});

describe('helpers', () => {
  it('sorts instance types naturally', () => {
    const sorted = ['m5.12xlarge', 'm5.2xlarge', 'm5.large', 'c5.xlarge'].sort(naturalCompare);
    expect(sorted).toEqual(['c5.xlarge', 'm5.2xlarge', 'm5.12xlarge', 'm5.large']);
  });

  it('natural order is a total order consistent with equality', () => {
    const name = fc.stringMatching(/^[a-z]{0,3}[0-9]{0,3}(\.[0-9]{0,2}[a-z]{0,4})?$/);
    fc.assert(
      fc.property(name, name, name, (a, b, c) => {
        expect(Math.sign(naturalCompare(a, b)) + Math.sign(naturalCompare(b, a))).toBe(0);
        expect(naturalCompare(a, b) === 0).toBe(a === b);
        if (naturalCompare(a, b) <= 0 && naturalCompare(b, c) <= 0)
          expect(naturalCompare(a, c)).toBeLessThanOrEqual(0);
      }),
    );
  });

  it('reads the sources date spellings as UTC', () => {
    expect(isoTime('2025-06-28T13:10:57+03:00', 'x')).toBe('2025-06-28T10:10:57.000Z');
    expect(isoTime('2026-01-22 (StaticListLastUpdateTime)', 'x')).toBe('2026-01-22T00:00:00.000Z');
    expect(() => isoTime('last tuesday', 'file.json')).toThrow(/file\.json: expected an ISO-8601 date/);
  });
});
