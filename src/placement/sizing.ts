import type { V1PodSpec, V1Toleration } from '@kubernetes/client-node';
import {
  CPU,
  MEMORY,
  PODS,
  type Policy,
  type Resources,
  type Sizing,
  TAINT_DEDICATED,
} from '../model/index.ts';
import { addResources, effectivePodRequest } from './pod-request.ts';

/**
 * Right-sizing: from a pod's effective request to what a dedicated node's
 * allocatable must hold, after the policy's adjustments and the DaemonSet pods
 * that will land on that node too.
 */

/** The effect of berth's dedicated taint (`berth.dev/dedicated=<pod-uid>:NoSchedule`). */
const DEDICATED_EFFECT = 'NoSchedule';

/**
 * Whether a pod with these tolerations may schedule onto a node carrying the
 * dedicated taint, following Kubernetes' toleration matching. An `Equal`
 * toleration would have to name the pod's uid, which a DaemonSet cannot know,
 * so only `Exists` (on our key, or with no key at all) counts.
 */
export function toleratesDedicatedTaint(tolerations: readonly V1Toleration[] | undefined): boolean {
  if (!Array.isArray(tolerations)) return false;
  return tolerations.some((t: V1Toleration | null) => {
    if (t === null || typeof t !== 'object') return false;
    if (t.effect && t.effect !== DEDICATED_EFFECT) return false;
    if (t.key && t.key !== TAINT_DEDICATED) return false;
    return t.operator === 'Exists';
  });
}

/**
 * Adds `percent` headroom and rounds up, in integers: (v × 110) / 100 in
 * floating point can land a hair above the true value and cost a whole unit.
 * The percentage is taken to a millionth of a percent.
 */
function withHeadroom(value: number, percent: number): number {
  const v = Math.ceil(value);
  if (percent === 0 || v === 0) return v;
  const numerator = BigInt(v) * BigInt(Math.round((100 + percent) * 1_000_000));
  const denominator = 100_000_000n;
  return Number((numerator + denominator - 1n) / denominator);
}

function clamp(value: number, min: number | undefined, max: number | undefined): number {
  const floored = min === undefined ? value : Math.max(value, min);
  return max === undefined ? floored : Math.min(floored, max);
}

/**
 * The request after the policy: headroom is added to cpu and memory, then
 * the min/max bounds apply. cpu and memory are always present in the result
 * (zero when nothing asked), other resources pass through untouched.
 */
function adjust(request: Resources, rightSizing: Policy['rightSizing']): Resources {
  const out: Record<string, number> = { ...request };
  for (const name of [CPU, MEMORY] as const) {
    const base = request[name] ?? 0;
    out[name] = clamp(
      withHeadroom(base, rightSizing.headroomPercent),
      rightSizing.min[name],
      rightSizing.max[name],
    );
  }
  return out;
}

/**
 * What a pod needs from a dedicated node. `daemonSets` are the pod templates
 * of the cluster's DaemonSets; only those that tolerate the dedicated taint
 * will run on the node, each as one more pod.
 */
export function sizePod(input: {
  spec: V1PodSpec;
  policy: Policy;
  daemonSets?: readonly V1PodSpec[];
  object?: string;
}): Sizing {
  const { spec, policy, object } = input;
  const podRequest = effectivePodRequest(spec, object === undefined ? {} : { object });
  const adjusted = adjust(podRequest, policy.rightSizing);

  const following = (input.daemonSets ?? [])
    .map((ds, i) => ({ ds, i }))
    .filter(({ ds }) => toleratesDedicatedTaint(ds.tolerations));
  const dsRequests = following.map(({ ds, i }) => effectivePodRequest(ds, { object: `daemonSets[${i}]` }));
  const daemonSets = following.length === 0 ? {} : addResources(...dsRequests, { [PODS]: following.length });

  const need = addResources(adjusted, daemonSets, { [PODS]: 1 });
  // The request itself, unless the policy's max caps it lower (then the cap, as before).
  const admitted: Record<string, number> = { ...adjusted };
  for (const name of [CPU, MEMORY] as const)
    admitted[name] = Math.min(adjusted[name] ?? 0, podRequest[name] ?? 0);
  const minimum = addResources(admitted, daemonSets, { [PODS]: 1 });
  return { podRequest, adjusted, need, minimum, admitted, daemonSets };
}
