import type { V1Pod } from '@kubernetes/client-node';
import {
  ANNOTATION_DECISION,
  ANNOTATION_ORIGINAL_CPU_REQUEST,
  type AdmissionDecision,
  type AdmissionRequest,
  type AdmissionReview,
  type AdmissionResponse,
  type Candidate,
  type Decision,
  InputError,
  isRecord,
} from '../model/index.ts';
import { formatPrice } from '../placement/explain.ts';
import { optIn } from './opt-in.ts';
import { podPatch } from './patch.ts';
import { type CpuTrim, cpuTrimPatch } from './shape-fit.ts';
import { type Route, routeFor, type ServerlessRoutes } from './route.ts';

export interface AdmissionContext {
  /** The installation's scheduler name: what a machine placement sets. */
  schedulerName: string;
  /** berth's own namespace, never acted in. */
  ownNamespace?: string | undefined;
  /**
   * The engine's decision for the pod with its policy (the same engine and
   * offerings the controller uses); `shapeFit`: the CPU request may still be
   * trimmed as the policy allows.
   */
  decide(pod: V1Pod, shapeFit: boolean): Decision;
  /** Serverless platforms configured for this installation that are reached at creation. */
  routes: ServerlessRoutes;
}

/** What admitting one request did, for the log and the metrics. */
export type Outcome = 'placed' | 'skipped' | 'warned';

/** Kubernetes keeps admission warnings short; longer ones are cut. */
const WARNING_LIMIT = 250;

function review(response: AdmissionResponse): AdmissionReview {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}

function warning(text: string): string {
  const line = `berth: ${text}`;
  return line.length > WARNING_LIMIT ? `${line.slice(0, WARNING_LIMIT - 3)}...` : line;
}

/** The request of an AdmissionReview; an InputError when it is not one (answered 400: the API server sent no such thing). */
export function requestOf(body: unknown): AdmissionRequest {
  const request = isRecord(body) ? body.request : undefined;
  if (!isRecord(request) || typeof request.uid !== 'string' || request.uid === '') {
    throw new InputError('expected an AdmissionReview with request.uid', { field: 'request.uid' });
  }
  return request as unknown as AdmissionRequest;
}

function shapeOf(c: Candidate): string | undefined {
  const s = c.serverlessShape;
  return s ? `${s.cpu}m/${s.memoryMiB}Mi` : undefined;
}

/** The annotation that records the decision on the pod. */
export function decisionRecord(d: Decision, route: Route): AdmissionDecision {
  const c = d.chosen;
  const shape = c ? shapeOf(c) : undefined;
  return {
    offering: c?.offering.id ?? '',
    capacityType: c?.offering.capacityType ?? '',
    pricePerHour: c ? formatPrice(c.pricePerHour) : '',
    ...(shape ? { shape } : {}),
    via: route.via,
    policy: d.policyName,
    why: d.explanation,
    ...(route.nodeSelector ? { addedNodeSelector: Object.keys(route.nodeSelector) } : {}),
  };
}

/**
 * What the webhook answers for one AdmissionReview request. Always allowed:
 * a pod berth does not act on, or cannot decide for (its input is wrong, or
 * berth has a bug), is admitted as it came, with a warning saying why when
 * it was meant to be berth's.
 */
export function admit(
  request: AdmissionRequest,
  ctx: AdmissionContext,
): { review: AdmissionReview; outcome: Outcome } {
  const unchanged = (warnings?: string[]) => ({
    review: review({ uid: request.uid, allowed: true, ...(warnings ? { warnings } : {}) }),
    outcome: (warnings ? 'warned' : 'skipped') as Outcome,
  });
  if (request.operation !== 'CREATE' || request.kind?.kind !== 'Pod' || (request.kind.group ?? '') !== '') {
    return unchanged();
  }
  const pod = request.object;
  if (!isRecord(pod) || !isRecord(pod.spec))
    return unchanged([warning('the request carries no pod spec; admitted unchanged')]);
  const v1pod = pod as V1Pod;
  const namespace = request.namespace ?? v1pod.metadata?.namespace ?? 'default';
  const verdict = optIn(v1pod, namespace, ctx);
  if (!verdict.ours) return unchanged();
  // The pod's namespace is not in the object at CREATE when it came from a controller; the engine names it.
  const named: V1Pod = {
    ...v1pod,
    metadata: {
      ...v1pod.metadata,
      namespace,
      name: v1pod.metadata?.name || v1pod.metadata?.generateName || '',
    },
  };
  let decision: Decision;
  let trim: CpuTrim | undefined;
  try {
    decision = ctx.decide(named, true);
    const cut = decision.chosen?.cpuTrim ?? 0;
    if (cut > 0) {
      trim = cpuTrimPatch(v1pod, cut);
      // The containers can't give the request up: decide for the request as it is.
      if (!trim) decision = ctx.decide(named, false);
    }
  } catch (err) {
    const why = err instanceof InputError ? err.message : `could not decide (${String(err)})`;
    return unchanged([warning(`${why}; admitted unchanged, not placed by berth`)]);
  }
  const route: Route = decision.chosen
    ? routeFor(decision.chosen, ctx.schedulerName, ctx.routes)
    : { via: ctx.schedulerName, schedulerName: ctx.schedulerName };
  const ops = podPatch(v1pod, route, {
    [ANNOTATION_DECISION]: JSON.stringify(decisionRecord(decision, route)),
    ...(trim ? { [ANNOTATION_ORIGINAL_CPU_REQUEST]: JSON.stringify(trim.original) } : {}),
  });
  if (trim) ops.push(...trim.ops);
  return {
    review: review({
      uid: request.uid,
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify(ops)).toString('base64'),
    }),
    outcome: 'placed',
  };
}
