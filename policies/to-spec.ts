import type { Policy, PolicySpec } from '../src/model/index.ts';
import { formatBytes, formatCpu } from '../src/model/quantity.ts';
import { API_VERSION, KIND } from './validate.ts';

/**
 * A resolved policy written back as a spec with every default spelled out,
 * so `berth policy show` says exactly what a policy allows.
 */

/** The resolver anchors the pattern as `^(?:p)$`; show it as the person wrote it. */
function patternSource(re: RegExp): string {
  const s = re.source;
  return s.startsWith('^(?:') && s.endsWith(')$') ? s.slice(4, -2) : s;
}

function quantities(b: { cpu?: number; memory?: number }): { cpu?: string; memory?: string } {
  const out: { cpu?: string; memory?: string } = {};
  if (b.cpu !== undefined) out.cpu = formatCpu(b.cpu);
  if (b.memory !== undefined) out.memory = formatBytes(b.memory);
  return out;
}

export function policyToSpec(p: Policy): PolicySpec {
  const spec: PolicySpec = {
    clouds: [...p.clouds],
    capacityTypes: [...p.capacityTypes],
    architectures: [...p.architectures],
    instanceFamilies: { exclude: [...p.excludeFamilies] },
    spot: { riskWeight: p.spotRiskWeight, maxInterruptionBand: p.maxInterruptionBand },
    isolation: p.isolation,
    rootVolume: { min: formatBytes(p.rootVolume.min), max: formatBytes(p.rootVolume.max) },
    burstable: p.burstable,
    rightSizing: {
      mode: p.rightSizing.mode,
      headroomPercent: p.rightSizing.headroomPercent,
      min: quantities(p.rightSizing.min),
      max: quantities(p.rightSizing.max),
      upsizeForHeadroom: p.rightSizing.upsizeForHeadroom,
      shapeFit: { maxCpuTrimPercent: p.rightSizing.maxCpuTrimPercent },
    },
  };
  if (p.regions) spec.regions = [...p.regions];
  if (p.zones) spec.zones = [...p.zones];
  if (p.includeFamilies && spec.instanceFamilies) spec.instanceFamilies.include = [...p.includeFamilies];
  if (p.instanceTypePattern) spec.instanceTypePattern = patternSource(p.instanceTypePattern);
  if (p.gpuModels) spec.gpuModels = [...p.gpuModels];
  if (p.maxPricePerHour !== undefined) spec.maxPricePerHour = p.maxPricePerHour;
  return spec;
}

/** The whole PlacementPolicy object, ready to print as YAML or JSON. */
export function policyDocument(p: Policy): {
  apiVersion: string;
  kind: string;
  metadata: { name: string };
  spec: PolicySpec;
} {
  return { apiVersion: API_VERSION, kind: KIND, metadata: { name: p.name }, spec: policyToSpec(p) };
}
