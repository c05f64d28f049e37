import type { V1Pod } from '@kubernetes/client-node';
import { ANNOTATION_DECISION, type AdmissionDecision, type Decision } from '../model/index.ts';

/**
 * A pod of this installation that another scheduler runs: the webhook sent
 * it to a serverless platform at creation. Which platform is not the
 * controller's concern; it only keeps the pod's Berth and cost.
 */
export function isPlatformPod(pod: V1Pod | undefined, schedulerName: string): boolean {
  return pod !== undefined && (pod.spec?.schedulerName ?? '') !== schedulerName;
}

function admission(pod: V1Pod): Partial<AdmissionDecision> {
  const raw = pod.metadata?.annotations?.[ANNOTATION_DECISION];
  try {
    const d: unknown = raw ? JSON.parse(raw) : {};
    return typeof d === 'object' && d !== null ? (d as Partial<AdmissionDecision>) : {};
  } catch {
    return {};
  }
}

/** The offering the webhook chose at creation, as its annotation records it. */
export function admittedOffering(pod: V1Pod): string | undefined {
  const d = admission(pod);
  return typeof d.offering === 'string' && d.offering !== '' ? d.offering : undefined;
}

/**
 * The pod as the webhook decided for it: without the node selector it added
 * to route the pod (which no offering carries), so deciding again agrees.
 */
export function asAdmittedPod(pod: V1Pod): V1Pod {
  const added = admission(pod).addedNodeSelector;
  const selector = pod.spec?.nodeSelector;
  if (!Array.isArray(added) || !selector || !pod.spec) return pod;
  const own = Object.fromEntries(Object.entries(selector).filter(([k]) => !added.includes(k)));
  return { ...pod, spec: { ...pod.spec, nodeSelector: own } };
}

/**
 * For a pod a platform already runs, the decision is the one made at
 * creation: its candidate comes first, whatever the engine would say now
 * (an offering marked unavailable since, a price refreshed since).
 */
export function asAdmitted(decision: Decision, offeringId: string | undefined): Decision {
  if (!offeringId || decision.chosen?.offering.id === offeringId) return decision;
  const at = decision.fallbacks.findIndex((c) => c.offering.id === offeringId);
  if (at < 0) return decision;
  const admitted = decision.fallbacks[at]!;
  const rest = decision.fallbacks.filter((_, i) => i !== at);
  return { ...decision, chosen: admitted, fallbacks: decision.chosen ? [decision.chosen, ...rest] : rest };
}
