import type { CostInterval } from '../model/index.ts';

/**
 * How a machine's price is split into cpu, ram and gpu parts (OpenCost's
 * cpuCost/ramCost/gpuCost). berth rents whole machines, so the parts are a
 * convention, not a bill: the price is shared in proportion to the machine's
 * vCPUs, GiB of memory and GPUs, each weighted by a public per-unit list
 * price. Weights (USD per unit-hour): 1 vCPU 0.04048 and 1 GiB 0.004445, the
 * AWS Fargate Linux/x86 rates in us-east-1 (the one public price of compute
 * sold per vCPU and per GiB); 1 GPU 2.933908, Compute Engine's per-GPU A100
 * rate in the Americas. A machine of unknown size is taken as 1 vCPU : 4 GiB
 * and no GPU. The parts always add up to the price.
 */
export const SPLIT_WEIGHTS = { vcpuHour: 0.04048, gibHour: 0.004445, gpuHour: 2.933908 } as const;

export interface CostParts {
  cpu: number;
  ram: number;
  gpu: number;
}

/** The fractions of the machine's price that are cpu, ram and gpu; they sum to 1. */
export function splitFractions(machine: CostInterval['machine']): CostParts {
  const m = machine ?? { cpu: 1000, memoryMiB: 4096 };
  const cpu = (m.cpu / 1000) * SPLIT_WEIGHTS.vcpuHour;
  const ram = (m.memoryMiB / 1024) * SPLIT_WEIGHTS.gibHour;
  const gpu = (m.gpus ?? 0) * SPLIT_WEIGHTS.gpuHour;
  const sum = cpu + ram + gpu;
  if (!(sum > 0)) return { cpu: 1, ram: 0, gpu: 0 };
  return { cpu: cpu / sum, ram: ram / sum, gpu: gpu / sum };
}

/** `cost` split by the rule; gpu takes the rounding remainder so the parts add up exactly. */
export function splitCost(cost: number, machine: CostInterval['machine']): CostParts {
  const f = splitFractions(machine);
  const cpu = cost * f.cpu;
  const ram = cost * f.ram;
  return { cpu, ram, gpu: f.gpu > 0 ? cost - cpu - ram : 0 };
}

/** The rule in one sentence, for --help and the API's documentation. */
export const SPLIT_RULE = `a machine's price is shared in proportion to its vCPUs x ${SPLIT_WEIGHTS.vcpuHour}, GiB x ${SPLIT_WEIGHTS.gibHour} and GPUs x ${SPLIT_WEIGHTS.gpuHour} (public per-unit USD/h list prices: AWS Fargate vCPU and GiB, Compute Engine A100 GPU)`;
