import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { CPU, InputError, MEMORY, type Resources } from '../model/index.ts';
import { parseResourceList } from '../model/quantity.ts';

/**
 * A pod's effective request, computed the way the scheduler computes it
 * (component-helpers' PodRequests): the node must hold it, or the kubelet
 * refuses the pod. Keys appear only for resources something asked for.
 */

type PodWhere = { source?: string; object?: string };

/** Per-resource sum; a key is present if it is present in any input. */
export function addResources(...lists: readonly Resources[]): Resources {
  const out: Record<string, number> = {};
  for (const list of lists) {
    for (const [name, value] of Object.entries(list)) out[name] = (out[name] ?? 0) + value;
  }
  return out;
}

/** Per-resource maximum; a key is present if it is present in either input. */
export function maxResources(a: Resources, b: Resources): Resources {
  const out: Record<string, number> = { ...a };
  for (const [name, value] of Object.entries(b)) out[name] = Math.max(out[name] ?? value, value);
  return out;
}

/** Resources a pod may set at pod level (PodLevelResources): cpu, memory and hugepages. */
function podLevelResource(name: string): boolean {
  return name === CPU || name === MEMORY || name.startsWith('hugepages-');
}

/** Overcommittable ones take the containers' aggregate when only a pod-level limit is set. */
function overcommittable(name: string): boolean {
  return !name.startsWith('hugepages-');
}

/**
 * One container's requests after API defaulting: a resource with a limit
 * and no request requests its limit.
 */
function containerRequests(container: V1Container | undefined, path: string, where: PodWhere): Resources {
  if (container === null || typeof container !== 'object') {
    throw new InputError('expected a container', { ...where, field: path });
  }
  const requests = parseResourceList(container.resources?.requests, {
    ...where,
    field: `${path}.resources.requests`,
  });
  const limits = parseResourceList(container.resources?.limits, {
    ...where,
    field: `${path}.resources.limits`,
  });
  return { ...limits, ...requests };
}

function containerList(
  list: unknown,
  field: string,
  where: PodWhere,
  required: boolean,
): readonly V1Container[] {
  if (list === undefined && !required) return [];
  if (!Array.isArray(list)) throw new InputError('expected a list of containers', { ...where, field });
  return list;
}

/**
 * What the containers alone need (before pod-level resources and overhead):
 * max(app containers + every sidecar, the peak of the init sequence), where a
 * regular init container runs next to the sidecars started before it, and a
 * sidecar (init container with restartPolicy Always) keeps running for the
 * pod's whole life once started.
 */
function aggregateContainerRequests(spec: V1PodSpec, where: PodWhere): Resources {
  const apps = containerList(spec.containers, 'spec.containers', where, true);
  const inits = containerList(spec.initContainers, 'spec.initContainers', where, false);

  let running = addResources(...apps.map((c, i) => containerRequests(c, `spec.containers[${i}]`, where)));
  let sidecars: Resources = {};
  let initPeak: Resources = {};
  inits.forEach((c, i) => {
    const req = containerRequests(c, `spec.initContainers[${i}]`, where);
    if (c.restartPolicy === 'Always') {
      running = addResources(running, req);
      sidecars = addResources(sidecars, req);
      initPeak = maxResources(initPeak, sidecars);
    } else {
      initPeak = maxResources(initPeak, addResources(req, sidecars));
    }
  });
  return maxResources(running, initPeak);
}

/**
 * The pod's effective request per resource, in canonical units: the
 * containers' aggregate, with pod-level `spec.resources` taking over cpu,
 * memory and hugepages where set, plus `spec.overhead` (the RuntimeClass's
 * cost, which the scheduler adds on top of everything).
 */
export function effectivePodRequest(spec: V1PodSpec, where: PodWhere = {}): Resources {
  if (spec === null || typeof spec !== 'object')
    throw new InputError('expected a pod spec', { ...where, field: 'spec' });
  const aggregate = aggregateContainerRequests(spec, where);
  const out: Record<string, number> = { ...aggregate };

  const podRequests = parseResourceList(spec.resources?.requests, {
    ...where,
    field: 'spec.resources.requests',
  });
  const podLimits = parseResourceList(spec.resources?.limits, { ...where, field: 'spec.resources.limits' });
  for (const [name, value] of Object.entries(podRequests)) {
    if (podLevelResource(name)) out[name] = value;
  }
  // API defaulting for a pod-level limit without a request: the containers'
  // aggregate if they asked for that resource (and it can be overcommitted),
  // otherwise the limit itself.
  for (const [name, limit] of Object.entries(podLimits)) {
    if (!podLevelResource(name) || name in podRequests) continue;
    if (!(overcommittable(name) && name in aggregate)) out[name] = limit;
  }

  const overhead = parseResourceList(spec.overhead, { ...where, field: 'spec.overhead' });
  return addResources(out, overhead);
}

/**
 * Kubernetes' Guaranteed QoS class: every container, init containers
 * included, has cpu and memory limits and requests equal to them. Trimming
 * such a pod's request would change its class, so shape fit leaves it alone.
 */
export function isGuaranteed(spec: V1PodSpec, where: PodWhere = {}): boolean {
  const all = [
    ...containerList(spec.containers, 'spec.containers', where, true).map(
      (c, i) => [c, `spec.containers[${i}]`] as const,
    ),
    ...containerList(spec.initContainers, 'spec.initContainers', where, false).map(
      (c, i) => [c, `spec.initContainers[${i}]`] as const,
    ),
  ];
  return all.every(([c, path]) => {
    const limits = parseResourceList(c.resources?.limits, { ...where, field: `${path}.resources.limits` });
    const requests = containerRequests(c, path, where);
    return [CPU, MEMORY].every((r) => limits[r] !== undefined && requests[r] === limits[r]);
  });
}
