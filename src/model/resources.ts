/**
 * Resource amounts in canonical integer-friendly units, so arithmetic never
 * parses strings on the hot path:
 * - `cpu`: millicores
 * - `memory`, `ephemeral-storage`, `hugepages-*`: bytes
 * - everything else (GPUs, other extended resources, pods): a plain count
 */
export type Resources = Readonly<Record<string, number>>;

export const CPU = 'cpu';
export const MEMORY = 'memory';
export const EPHEMERAL_STORAGE = 'ephemeral-storage';
export const PODS = 'pods';
/** Extended-resource names that mean "a GPU" to the placement engine. */
export const GPU_RESOURCES = ['nvidia.com/gpu', 'amd.com/gpu'] as const;

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
