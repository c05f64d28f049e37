import { describe, expect, it } from 'vitest';
import { GiB, MiB } from '../../../src/model/index.ts';
import { serverlessQuote, serverlessRejection } from '../../../src/placement/serverless.ts';
import { FARGATE, fargate, offering } from './solver-fixtures.ts';

const price = (cpu: number, memoryMiB: number) =>
  (FARGATE.perVcpuHour * cpu) / 1000 + (FARGATE.perGiBHour * memoryMiB) / 1024;

describe('serverlessQuote', () => {
  it('rounds 0.5 vCPU + 1 GiB (+ 256 MiB overhead) up to 0.5 vCPU / 2 GiB on EKS Fargate', () => {
    const q = serverlessQuote({ cpu: 500, memory: GiB }, fargate());
    expect(q?.serverlessShape).toEqual({ cpu: 500, memoryMiB: 2048 });
    expect(q?.pricePerHour).toBeCloseTo(price(500, 2048), 12);
  });
  it('rounds CPU up to the next allowed size and memory to that size’s minimum', () => {
    const q = serverlessQuote({ cpu: 600, memory: 256 * MiB }, fargate());
    expect(q?.serverlessShape).toEqual({ cpu: 1000, memoryMiB: 2048 });
  });
  it('takes the cheapest shape that holds the request, not the first', () => {
    // 0.25 vCPU tops out at 2 GiB, so 2 GiB + overhead needs the 0.5 vCPU range at 3 GiB.
    const q = serverlessQuote({ cpu: 250, memory: 2 * GiB }, fargate());
    expect(q?.serverlessShape).toEqual({ cpu: 500, memoryMiB: 3072 });
  });
  it('counts partial MiB as a whole one', () => {
    const q = serverlessQuote({ cpu: 250, memory: 256 * MiB + 1 }, fargate());
    expect(q?.serverlessShape).toEqual({ cpu: 250, memoryMiB: 1024 });
  });
  it('applies steps: 8 vCPU memory moves in 4 GiB steps', () => {
    const q = serverlessQuote({ cpu: 8000, memory: 17 * GiB }, fargate());
    expect(q?.serverlessShape).toEqual({ cpu: 8000, memoryMiB: 20480 });
  });
  it('gives nothing above the largest shape', () => {
    expect(serverlessQuote({ cpu: 16001, memory: GiB }, fargate())).toBeUndefined();
    expect(serverlessQuote({ cpu: 1000, memory: 120 * GiB }, fargate())).toBeUndefined();
    expect(serverlessRejection({ cpu: 16001, memory: GiB }, fargate(), {})).toMatchObject({
      reason: 'serverless-limit',
      rule: 'shape',
    });
  });
  it('gives nothing for GPUs or other extended resources, but accepts disk and pod count', () => {
    expect(serverlessQuote({ cpu: 500, 'nvidia.com/gpu': 1 }, fargate())).toBeUndefined();
    expect(serverlessRejection({ cpu: 500, 'nvidia.com/gpu': 1 }, fargate(), {})?.rule).toBe(
      'nvidia.com/gpu',
    );
    expect(serverlessQuote({ cpu: 500, 'example.com/dongle': 1 }, fargate())).toBeUndefined();
    expect(serverlessQuote({ cpu: 500, 'ephemeral-storage': GiB, pods: 1 }, fargate())).toBeDefined();
    expect(serverlessRejection({ cpu: 500 }, fargate(), {})).toBeUndefined();
  });
  it('gives nothing for an offering without serverless pricing', () => {
    expect(
      serverlessQuote({ cpu: 500 }, offering({ instanceType: 'm5.large', pricePerHour: 1 })),
    ).toBeUndefined();
  });
  it('adds CPU overhead too', () => {
    const o = fargate({ serverless: { ...FARGATE, overhead: { cpu: 100, memoryMiB: 0 } } });
    expect(serverlessQuote({ cpu: 250, memory: 512 * MiB }, o)?.serverlessShape).toEqual({
      cpu: 500,
      memoryMiB: 1024,
    });
  });
});
