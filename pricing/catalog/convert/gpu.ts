/**
 * GPU model names as policies write them (`t4`, `a10g`, `h100`): the clouds
 * spell one chip many ways ("NVIDIA A100 80GB", "A100 80GB PCIe", "A100"),
 * and a policy should not have to know which cloud it is talking to. Memory
 * size and form factor are dropped from the name because `Gpu.memoryMiB`
 * already carries the difference that matters for placement.
 */
const VENDOR_WORDS = new Set(['nvidia', 'amd', 'xilinx', 'tesla', 'radeon', 'instinct', 'intel', 'habana']);
const VARIANT_WORDS = new Set([
  'pcie',
  'sxm',
  'sxm4',
  'sxm5',
  'nvl',
  'mega',
  'server',
  'partitioned',
  'vgpu',
]);

export function normaliseGpuModel(raw: string): string | undefined {
  const words = raw
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .split(/[^a-z0-9]+/)
    .filter((w) => w !== '' && !VENDOR_WORDS.has(w) && !VARIANT_WORDS.has(w) && !/^\d+gb$/.test(w));
  // AMD's "Radeon Pro V520": the product line is noise once the vendor is gone, but
  // NVIDIA's "RTX PRO 6000" keeps it (there is an older, different "RTX 6000").
  if (words[0] === 'pro' && words.length > 1) words.shift();
  return words.length > 0 ? words.join('-') : undefined;
}
