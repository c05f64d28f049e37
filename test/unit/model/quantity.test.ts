import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GiB, InputError, MiB } from '../../../src/model/index.ts';
import {
  formatComparable,
  formatBytes,
  formatCpu,
  formatResources,
  parseQuantity,
  parseResourceList,
  resourceUnit,
} from '../../../src/model/quantity.ts';

const cpu = (v: string | number) => parseQuantity(v, 'cpu');
const mem = (v: string | number) => parseQuantity(v, 'memory');
const gpu = (v: string | number) => parseQuantity(v, 'nvidia.com/gpu');

describe('resourceUnit', () => {
  it('counts cpu in millicores, memory-like resources in bytes, the rest as counts', () => {
    expect(resourceUnit('cpu')).toBe('milli');
    expect(resourceUnit('memory')).toBe('bytes');
    expect(resourceUnit('ephemeral-storage')).toBe('bytes');
    expect(resourceUnit('hugepages-2Mi')).toBe('bytes');
    expect(resourceUnit('nvidia.com/gpu')).toBe('count');
    expect(resourceUnit('pods')).toBe('count');
  });
});

describe('parseQuantity: accepted spellings', () => {
  it('cpu in cores, millicores, fractions and exponents', () => {
    expect(cpu('2')).toBe(2000);
    expect(cpu(2)).toBe(2000);
    expect(cpu('500m')).toBe(500);
    expect(cpu('0.5')).toBe(500);
    expect(cpu('.5')).toBe(500);
    expect(cpu('1.')).toBe(1000);
    expect(cpu('+1.5')).toBe(1500);
    expect(cpu(0.1)).toBe(100);
    expect(cpu('1e3')).toBe(1_000_000);
    expect(cpu('1E3')).toBe(1_000_000);
    expect(cpu('1e+3')).toBe(1_000_000);
    expect(cpu('5e-1')).toBe(500);
    expect(cpu('2k')).toBe(2_000_000);
    expect(cpu('-0')).toBe(0);
  });

  it('rounds a cpu amount finer than a millicore up, as the scheduler does', () => {
    expect(cpu('0.0001')).toBe(1);
    expect(cpu('1500u')).toBe(2);
    expect(cpu('1n')).toBe(1);
    expect(cpu('1e-30')).toBe(1);
    expect(cpu('0.1001')).toBe(101);
  });

  it('memory with binary, decimal and exponent suffixes, rounded up to a byte', () => {
    expect(mem('1Ki')).toBe(1024);
    expect(mem('3.5Gi')).toBe(3.5 * GiB);
    expect(mem('128974848')).toBe(128974848);
    expect(mem('129e6')).toBe(129_000_000);
    expect(mem('129M')).toBe(129_000_000);
    expect(mem('123Mi')).toBe(123 * MiB);
    expect(mem('1P')).toBe(1e15);
    expect(mem('0.5')).toBe(1);
    expect(mem('1500m')).toBe(2);
    expect(mem('1.G')).toBe(1e9);
  });

  it('counts must be whole', () => {
    expect(gpu('2')).toBe(2);
    expect(gpu('1k')).toBe(1000);
    expect(gpu('2000m')).toBe(2);
    expect(() => gpu('0.5')).toThrow(/whole number/);
    expect(() => gpu('1n')).toThrow(/whole number/);
  });
});

describe('parseQuantity: rejections', () => {
  const where = { object: 'default/web', field: 'spec.containers[0].resources.requests.cpu' };

  it('names the object and field in a readable InputError', () => {
    let err: unknown;
    try {
      parseQuantity('two', 'cpu', where);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      'default/web: spec.containers[0].resources.requests.cpu: "two" is not a Kubernetes quantity (expected e.g. 500m, 2, 1.5Gi, 1e3)',
    );
  });

  it('falls back to the resource name as the field', () => {
    expect(() => parseQuantity('x', 'memory')).toThrow(/^memory: /);
  });

  it.each([
    '',
    ' 1',
    '1 ',
    '.',
    '-',
    '+',
    '1K',
    '1kb',
    '1Gib',
    '1e',
    '1e1.5',
    '1ee3',
    'Gi',
    '1..2',
    '1,5',
    '0x10',
    'NaN',
    'Infinity',
    '1Mi1',
    '++1',
  ])('rejects %j', (s) => {
    expect(() => mem(s)).toThrow(InputError);
  });

  it('rejects negative amounts, non-finite numbers, non-strings and absurd sizes', () => {
    expect(() => cpu('-1')).toThrow(/negative/);
    expect(() => mem(-5)).toThrow(/negative/);
    expect(() => cpu(Number.NaN)).toThrow(InputError);
    expect(() => cpu(Number.POSITIVE_INFINITY)).toThrow(InputError);
    expect(() => parseQuantity(true as unknown as string, 'cpu')).toThrow(/expected a quantity/);
    expect(() => mem('1e999999999')).toThrow(/too large/);
    expect(() => mem('9Ei')).toThrow(/too large/);
  });
});

describe('parseQuantity: properties', () => {
  const suffixes = ['Ki', 'Mi', 'Gi', 'Ti', 'k', 'M', 'G', 'T'] as const;
  const factor: Record<(typeof suffixes)[number], number> = {
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
  };

  it('suffix equivalences: nGi = (1024n)Mi = (1024^2 n)Ki, nk = (1000n) = n e3', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4096 }), (n) => {
        expect(mem(`${n}Gi`)).toBe(mem(`${n * 1024}Mi`));
        expect(mem(`${n}Mi`)).toBe(mem(`${n * 1024}Ki`));
        expect(mem(`${n}k`)).toBe(mem(`${n * 1000}`));
        expect(mem(`${n}e3`)).toBe(mem(`${n}k`));
        expect(cpu(`${n}`)).toBe(cpu(`${n * 1000}m`));
      }),
    );
  });

  it('a suffix multiplies by its factor', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2000 }), fc.constantFrom(...suffixes), (n, s) => {
        expect(mem(`${n}${s}`)).toBe(n * factor[s]);
      }),
    );
  });

  it('is monotonic: a larger amount never parses smaller, whatever the spelling', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom(...suffixes),
        fc.integer({ min: 0, max: 100_000 }),
        fc.constantFrom(...suffixes),
        (a, sa, b, sb) => {
          fc.pre(Math.max(a * factor[sa], b * factor[sb]) <= Number.MAX_SAFE_INTEGER);
          const [x, y] =
            a * factor[sa] <= b * factor[sb] ? [`${a}${sa}`, `${b}${sb}`] : [`${b}${sb}`, `${a}${sa}`];
          expect(mem(x)).toBeLessThanOrEqual(mem(y));
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 9 }),
        (a, b, scale) => {
          const [lo, hi] = a <= b ? [a, b] : [b, a];
          expect(cpu(`${lo}e-${scale}`)).toBeLessThanOrEqual(cpu(`${hi}e-${scale}`));
        },
      ),
    );
  });

  it('rounds up: never below the exact value, and less than one unit above it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 9 }), (n, scale) => {
        // n x 10^-scale cores in millicores is n x 10^(3-scale); compare against integer arithmetic.
        const exact = n * 10 ** (3 - Math.min(scale, 3));
        const div = 10 ** Math.max(scale - 3, 0);
        const expected = Math.ceil(exact / div);
        expect(cpu(`${n}e-${scale}`)).toBe(expected);
      }),
    );
  });

  it('format and parse round-trip exactly', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 50 }), (n) => {
        expect(mem(formatBytes(n))).toBe(n);
        expect(cpu(formatCpu(n))).toBe(n);
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 << 20 }), fc.constantFrom(...suffixes), (n, s) => {
        const bytes = n * factor[s];
        fc.pre(bytes <= Number.MAX_SAFE_INTEGER);
        const text = formatBytes(bytes);
        expect(mem(text)).toBe(bytes);
        expect(text.length).toBeLessThanOrEqual(`${n}${s}`.length);
      }),
    );
  });

  it('rejects random strings that are not quantities', () => {
    const quantity = /^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?[0-9]+|[numkMGTPE]?)$/;
    fc.assert(
      fc.property(fc.string({ maxLength: 8 }), (s) => {
        fc.pre(!quantity.test(s));
        expect(() => mem(s)).toThrow(InputError);
      }),
    );
  });
});

describe('parseResourceList', () => {
  it('parses each entry into its own unit', () => {
    expect(parseResourceList({ cpu: '250m', memory: '64Mi', 'nvidia.com/gpu': 1 })).toEqual({
      cpu: 250,
      memory: 64 * MiB,
      'nvidia.com/gpu': 1,
    });
    expect(parseResourceList(undefined)).toEqual({});
  });

  it('names the entry under the map path', () => {
    expect(() =>
      parseResourceList(
        { memory: '1GB' },
        { object: 'ns/pod', field: 'spec.initContainers[1].resources.requests' },
      ),
    ).toThrow('ns/pod: spec.initContainers[1].resources.requests.memory: "1GB" is not a Kubernetes quantity');
  });

  it('rejects something that is not a map', () => {
    expect(() =>
      parseResourceList(['1'] as unknown as Record<string, string>, { field: 'spec.overhead' }),
    ).toThrow(/spec\.overhead: expected a map/);
  });
});

describe('formatting', () => {
  it('cpu as whole cores or millicores', () => {
    expect(formatCpu(2000)).toBe('2');
    expect(formatCpu(1500)).toBe('1500m');
    expect(formatCpu(0)).toBe('0');
  });

  it('bytes in the shortest exact spelling', () => {
    expect(formatBytes(3.5 * GiB)).toBe('3.5Gi');
    expect(formatBytes(100 * MiB)).toBe('100Mi');
    expect(formatBytes(512 * MiB)).toBe('512Mi');
    expect(formatBytes(1_500_000_000)).toBe('1.5G');
    expect(formatBytes(1024)).toBe('1Ki');
    expect(formatBytes(1536)).toBe('1536');
    expect(formatBytes(0)).toBe('0');
    expect(formatBytes(-2 * GiB)).toBe('-2Gi');
  });

  it('a resource list with the usual three first', () => {
    expect(formatResources({ pods: 2, 'nvidia.com/gpu': 1, memory: 3.5 * GiB, cpu: 1500 })).toBe(
      'cpu=1500m memory=3.5Gi nvidia.com/gpu=1 pods=2',
    );
    expect(formatResources({})).toBe('none');
  });
});

describe('formatComparable', () => {
  it('puts amounts of one resource in one unit', () => {
    expect(formatComparable('cpu', [1_000_000, 893_690])).toEqual(['1000', '893.69']);
    expect(formatComparable('cpu', [500, 250])).toEqual(['500m', '250m']);
    expect(formatComparable('cpu', [4000, 900])).toEqual(['4000m', '900m']);
    expect(formatComparable('memory', [8 * 2 ** 30, 7.5 * 2 ** 30])).toEqual(['8Gi', '7.5Gi']);
    expect(formatComparable('memory', [2 ** 30, 512 * 2 ** 20])).toEqual(['1024Mi', '512Mi']);
    expect(formatComparable('pods', [5, 3])).toEqual(['5', '3']);
  });
});
