import { CPU, EPHEMERAL_STORAGE, MEMORY, PODS } from './resources.ts';

/**
 * Resource names everyone spells the same way. A name one or two edits away
 * from one of these (`nvidia.com/gpus`, `memroy`) is almost surely a typo:
 * the scheduler would find no node with it, and the pod would wait forever.
 */
export const WELL_KNOWN_RESOURCES: readonly string[] = [
  CPU,
  MEMORY,
  EPHEMERAL_STORAGE,
  PODS,
  'nvidia.com/gpu',
  'amd.com/gpu',
  'gpu.intel.com/i915',
  'aws.amazon.com/neuron',
  'aws.amazon.com/neuroncore',
  'google.com/tpu',
  'hugepages-2Mi',
  'hugepages-1Gi',
];

/** `hugepages-<size>` is well-known for any size; so are the GPU names above. */
function wellKnown(name: string): boolean {
  return WELL_KNOWN_RESOURCES.includes(name) || /^hugepages-[0-9]+(Ki|Mi|Gi)$/.test(name);
}

/** Levenshtein distance, stopping early once it exceeds `limit` (names are short). */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > limit) return limit + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const v = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      row.push(v);
      best = Math.min(best, v);
    }
    if (best > limit) return limit + 1;
    prev = row;
  }
  return prev[b.length] ?? 0;
}

/** The closest candidate within a small distance (scaled to the word), or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const limit = word.length <= 4 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const c of candidates) {
    if (c === word) return undefined;
    const d = editDistance(word.toLowerCase(), c.toLowerCase(), limit);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * The well-known resource a name was probably meant to be, when it is a
 * near miss (`nvidia.com/gpus` -> `nvidia.com/gpu`); undefined for a
 * well-known name or one that is simply different (a custom extended resource).
 */
export function misspeltResource(name: string): string | undefined {
  if (wellKnown(name)) return undefined;
  return ALIASES[name] ?? closest(name, WELL_KNOWN_RESOURCES);
}

/** Short names people write for a well-known one; `gpu` is one edit from `cpu` but never meant it. */
const ALIASES: Readonly<Record<string, string>> = {
  gpu: 'nvidia.com/gpu',
  gpus: 'nvidia.com/gpu',
  'nvidia/gpu': 'nvidia.com/gpu',
  mem: 'memory',
  storage: 'ephemeral-storage',
};

/**
 * Amounts no machine of any cloud comes near (the largest have about 2,000
 * vCPUs, 32 TiB of memory and 16 GPUs): a request above one of these is a
 * mistake in the input, not a pod waiting for a bigger machine.
 */
export const ABSURD_AMOUNTS: Readonly<Record<string, number>> = {
  [CPU]: 100_000 * 1000, // millicores
  [MEMORY]: 2 ** 50, // 1 PiB
  [EPHEMERAL_STORAGE]: 2 ** 50,
  'nvidia.com/gpu': 1024,
  'amd.com/gpu': 1024,
};
