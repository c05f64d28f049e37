import type { V1Pod } from '@kubernetes/client-node';
import type { JsonPatchOp } from '../model/index.ts';
import type { Route } from './route.ts';

/** A map key as one JSON Pointer segment (RFC 6901). */
function segment(key: string): string {
  return key.replaceAll('~', '~0').replaceAll('/', '~1');
}

/** Adds entries to a string map at `path`, creating the map when the pod has none. */
function addEntries(
  ops: JsonPatchOp[],
  path: string,
  existing: Record<string, string> | undefined,
  entries: Record<string, string>,
): void {
  if (!existing) {
    ops.push({ op: 'add', path, value: entries });
    return;
  }
  for (const [k, v] of Object.entries(entries))
    ops.push({ op: 'add', path: `${path}/${segment(k)}`, value: v });
}

/** The JSON patch that records `annotations` on the pod and applies the route. */
export function podPatch(pod: V1Pod, route: Route, annotations: Record<string, string>): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  addEntries(ops, '/metadata/annotations', pod.metadata?.annotations, annotations);
  if (route.labels) addEntries(ops, '/metadata/labels', pod.metadata?.labels, route.labels);
  if (route.schedulerName !== undefined && route.schedulerName !== pod.spec?.schedulerName) {
    ops.push({ op: 'add', path: '/spec/schedulerName', value: route.schedulerName });
  }
  if (route.nodeSelector) addEntries(ops, '/spec/nodeSelector', pod.spec?.nodeSelector, route.nodeSelector);
  if (route.tolerations && route.tolerations.length > 0) {
    if (pod.spec?.tolerations) {
      for (const t of route.tolerations) ops.push({ op: 'add', path: '/spec/tolerations/-', value: t });
    } else {
      ops.push({ op: 'add', path: '/spec/tolerations', value: route.tolerations });
    }
  }
  return ops;
}
