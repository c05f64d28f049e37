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

/** The offering the webhook chose at creation, as its annotation records it. */
export function admittedOffering(pod: V1Pod): string | undefined {
  const raw = pod.metadata?.annotations?.[ANNOTATION_DECISION];
  if (!raw) return undefined;
  try {
    const d = JSON.parse(raw) as Partial<AdmissionDecision>;
    return typeof d.offering === 'string' && d.offering !== '' ? d.offering : undefined;
  } catch {
    return undefined;
  }
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
