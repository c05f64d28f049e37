import { describe, expect, it } from 'vitest';
import { editDistance, misspeltResource } from '../../../src/model/index.ts';
import { effectivePodRequest } from '../../../src/placement/pod-request.ts';
import { parseResourceList } from '../../../src/model/quantity.ts';
import { inputErrorOf } from '../../fixtures/input-error.ts';

const errorOf = inputErrorOf;

describe('near misses of well-known resource names', () => {
  it('suggests the well-known name for a typo, and leaves well-known and custom names alone', () => {
    expect(misspeltResource('nvidia.com/gpus')).toBe('nvidia.com/gpu');
    expect(misspeltResource('nvidia.con/gpu')).toBe('nvidia.com/gpu');
    expect(misspeltResource('memroy')).toBe('memory');
    expect(misspeltResource('cpus')).toBe('cpu');
    expect(misspeltResource('ephemeral-storge')).toBe('ephemeral-storage');
    expect(misspeltResource('gpu')).toBe('nvidia.com/gpu');
    for (const ok of ['cpu', 'memory', 'nvidia.com/gpu', 'amd.com/gpu', 'hugepages-2Mi', 'hugepages-32Mi']) {
      expect(misspeltResource(ok), ok).toBeUndefined();
    }
    for (const custom of ['example.com/widget', 'nvidia.com/mig-1g.5gb', 'smarter-devices/fuse']) {
      expect(misspeltResource(custom), custom).toBeUndefined();
    }
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('kitten', 'sitting', 1)).toBe(2);
  });

  it("rejects a pod's request for a near miss, naming the container field and the name it meant", () => {
    const err = errorOf(() =>
      effectivePodRequest(
        { containers: [{ name: 'a', resources: { limits: { 'nvidia.com/gpus': '1' } } }] },
        { object: 'Pod ml/train' },
      ),
    );
    expect(err.message).toBe(
      'Pod ml/train: spec.containers[0].resources.limits.nvidia.com/gpus: unknown resource "nvidia.com/gpus"; did you mean "nvidia.com/gpu"?',
    );
  });
});

describe('absurd amounts', () => {
  it('rejects an amount no machine comes near, naming the field', () => {
    const err = errorOf(() =>
      parseResourceList(
        { cpu: '10000000' },
        { object: 'Pod a/b', field: 'spec.containers[0].resources.requests' },
      ),
    );
    expect(err.where.field).toBe('spec.containers[0].resources.requests.cpu');
    expect(err.message).toMatch(
      /10000000 is more than any machine of any cloud has \(at most 100000\); check the unit/,
    );
    expect(() => parseResourceList({ memory: '2Pi' })).toThrow(/memory: 2Pi is more than any machine/);
    expect(() => parseResourceList({ 'nvidia.com/gpu': '5000' })).toThrow(/nvidia\.com\/gpu: 5000/);
  });

  it('keeps large but real requests: a whole u7in machine, 16 GPUs', () => {
    expect(parseResourceList({ cpu: '1920', memory: '32Ti', 'nvidia.com/gpu': 16 })).toEqual({
      cpu: 1_920_000,
      memory: 32 * 2 ** 40,
      'nvidia.com/gpu': 16,
    });
  });
});
