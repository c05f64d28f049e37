import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { CPU, type JsonPatchOp } from '../model/index.ts';
import { parseQuantity } from '../model/quantity.ts';

/**
 * Shape fit at creation: the JSON patch that lowers a pod's CPU request by
 * `trim` millicores so it fits the smaller machine the engine chose, taken
 * from the largest requests first. Undefined when the containers can't give
 * it up (the request is an init container's, or not the containers' to
 * give), so the caller decides again without shape fit.
 */
export interface CpuTrim {
  ops: JsonPatchOp[];
  /** Each trimmed container's request before, for the annotation (`{"build":"4"}`). */
  original: Record<string, string>;
}

/** A container's CPU request as the API server defaulted it: the request, else the limit. */
function cpuRequest(c: V1Container, path: string): { milli: number; text: string } | undefined {
  const text = c.resources?.requests?.[CPU] ?? c.resources?.limits?.[CPU];
  if (text === undefined) return undefined;
  return { milli: parseQuantity(text, CPU, { field: `${path}.resources.requests.cpu` }), text: String(text) };
}

export function cpuTrimPatch(pod: V1Pod, trim: number): CpuTrim | undefined {
  const containers = pod.spec?.containers ?? [];
  const requests = containers.map((c, i) => ({ c, i, r: cpuRequest(c, `spec.containers[${i}]`) }));
  const sum = requests.reduce((s, x) => s + (x.r?.milli ?? 0), 0);
  // Kubernetes takes the larger of the containers' sum and any init container's request.
  const initMax = Math.max(
    0,
    ...(pod.spec?.initContainers ?? [])
      .filter((c) => c.restartPolicy !== 'Always')
      .map((c, i) => cpuRequest(c, `spec.initContainers[${i}]`)?.milli ?? 0),
  );
  // Pod-level requests and overhead are the pod's own, not the containers' to give.
  if (trim <= 0 || sum - trim < initMax || pod.spec?.overhead || pod.spec?.resources?.requests)
    return undefined;
  const ops: JsonPatchOp[] = [];
  const original: Record<string, string> = {};
  let left = trim;
  for (const { c, i, r } of [...requests].sort((a, b) => (b.r?.milli ?? 0) - (a.r?.milli ?? 0))) {
    if (left <= 0 || !r || r.milli <= 1) continue;
    const cut = Math.min(left, r.milli - 1);
    left -= cut;
    original[c.name] = r.text;
    const value = `${r.milli - cut}m`;
    const base = `/spec/containers/${i}/resources`;
    if (c.resources?.requests) ops.push({ op: 'add', path: `${base}/requests/cpu`, value });
    else ops.push({ op: 'add', path: `${base}/requests`, value: { cpu: value } });
  }
  return left > 0 ? undefined : { ops, original };
}
