import type { V1Toleration } from '@kubernetes/client-node';
import type { Candidate } from '../model/index.ts';

/** What the webhook changes on a pod so the chosen place runs it. */
export interface Route {
  /** Who carries the decision out, recorded in the decision annotation. */
  via: string;
  schedulerName?: string;
  labels?: Record<string, string>;
  nodeSelector?: Record<string, string>;
  tolerations?: V1Toleration[];
}

/**
 * A serverless platform that has to be chosen at creation (a pod's scheduler
 * can't change afterwards), by offering family: how a pod is routed there.
 */
export type ServerlessRoutes = Readonly<Record<string, (c: Candidate) => Route>>;

/**
 * Where the decision sends the pod: a platform in `routes` gets its route;
 * everything else (machines, and platforms berth's controller binds to) gets
 * berth's scheduler, so the controller carries it out.
 */
export function routeFor(chosen: Candidate, schedulerName: string, routes: ServerlessRoutes): Route {
  const o = chosen.offering;
  const platform = o.capacityType === 'serverless' ? routes[o.family] : undefined;
  return platform ? platform(chosen) : { via: schedulerName, schedulerName };
}
