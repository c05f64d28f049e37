import type { V1PodSpec } from '@kubernetes/client-node';
import {
  type Cloud,
  type CapacityType,
  GiB,
  type Offering,
  MiB,
  type NodeSettings,
  offeringId,
  type Policy,
  type Resources,
  type Sizing,
} from '../../../src/model/index.ts';

/** Small hand-made offerings for the solver's tests (the real catalog has its own tests). */

export type OfferingInput = Partial<Offering> & { instanceType: string; pricePerHour: number };

export function offering(input: OfferingInput): Offering {
  const base = {
    cloud: 'aws' as Cloud,
    region: 'us-east-1',
    capacityType: 'on-demand' as CapacityType,
    cpu: 2000,
    memoryMiB: 8192,
    arch: 'amd64' as const,
    family: input.instanceType.split('.')[0] ?? input.instanceType,
    source: { kind: 'embedded' as const, origin: 'test', estimated: false },
    observedAt: '2025-01-01T00:00:00Z',
    ...input,
  };
  return { ...base, id: input.id ?? offeringId(base) };
}

/**
 * A simple, predictable allocatable: 100m CPU and 256 MiB kept back, and 1 MiB
 * more per pod the kubelet may run (the way EKS's reserve grows with maxPods);
 * maxPods and the disk follow the node settings (default: the offering's pod
 * limit or 110, 20 GiB), of which 90% is left for pods.
 */
export function allocatable(o: Offering, node?: NodeSettings): Resources {
  const pods = node?.maxPods ?? o.maxPods ?? 110;
  return {
    cpu: o.cpu - 100,
    memory: (o.memoryMiB - 256 - pods) * MiB,
    pods,
    'ephemeral-storage': Math.floor((node?.rootVolumeGiB ?? 20) * GiB * 0.9),
  };
}

export function policy(overrides: Partial<Policy> = {}): Policy {
  return {
    name: 'test',
    clouds: ['aws', 'gcp', 'azure'],
    capacityTypes: ['on-demand', 'spot', 'serverless'],
    excludeFamilies: [],
    architectures: ['amd64', 'arm64'],
    spotRiskWeight: 1,
    maxInterruptionBand: 4,
    isolation: 'dedicated',
    rootVolume: { min: 20 * GiB, max: 1024 * GiB },
    burstable: true,
    rightSizing: {
      mode: 'request',
      headroomPercent: 0,
      min: {},
      max: {},
      upsizeForHeadroom: false,
      maxCpuTrimPercent: 0,
    },
    ...overrides,
  };
}

export function sizing(need: Resources, adjusted: Resources = need): Sizing {
  return { podRequest: adjusted, adjusted, need, minimum: need, admitted: adjusted, daemonSets: {} };
}

export const pod = { namespace: 'default', name: 'p' };
export const noSpec: V1PodSpec = { containers: [] };

/** EKS Fargate's published shapes (vCPU: memory range in GiB, step). */
export const FARGATE = {
  perVcpuHour: 0.04048,
  perGiBHour: 0.004445,
  overhead: { cpu: 0, memoryMiB: 256 },
  shapes: [
    { cpu: 250, memoryMinMiB: 512, memoryMaxMiB: 2048, memoryStepMiB: 512 },
    { cpu: 500, memoryMinMiB: 1024, memoryMaxMiB: 4096, memoryStepMiB: 1024 },
    { cpu: 1000, memoryMinMiB: 2048, memoryMaxMiB: 8192, memoryStepMiB: 1024 },
    { cpu: 2000, memoryMinMiB: 4096, memoryMaxMiB: 16384, memoryStepMiB: 1024 },
    { cpu: 4000, memoryMinMiB: 8192, memoryMaxMiB: 30720, memoryStepMiB: 1024 },
    { cpu: 8000, memoryMinMiB: 16384, memoryMaxMiB: 61440, memoryStepMiB: 4096 },
    { cpu: 16000, memoryMinMiB: 32768, memoryMaxMiB: 122880, memoryStepMiB: 8192 },
  ],
};

export function fargate(overrides: Partial<Offering> = {}): Offering {
  return offering({
    instanceType: 'fargate',
    family: 'fargate',
    capacityType: 'serverless',
    cpu: 16000,
    memoryMiB: 122880,
    pricePerHour: 16 * FARGATE.perVcpuHour + 120 * FARGATE.perGiBHour,
    serverless: FARGATE,
    ...overrides,
  });
}
