import { LABEL_CLUSTER, LABEL_PLATFORM } from '../model/index.ts';
import type { Route, ServerlessRoutes } from './route.ts';

/** The scheduler EKS runs for pods a Fargate profile selects. */
export const FARGATE_SCHEDULER = 'fargate-scheduler';
/** GKE Standard sends a pod that selects an Autopilot compute class to Autopilot-managed nodes. */
export const LABEL_COMPUTE_CLASS = 'cloud.google.com/compute-class';

/**
 * How a pod reaches each serverless platform that must be chosen at creation
 * (a pod's scheduler can't change afterwards). Each route also labels the pod
 * with the platform and the installation, which is how a Fargate profile
 * selects it and how berth's controller finds it to keep its Berth and cost.
 * Azure Container Instances is not here: its pods stay berth's, and the
 * controller binds them to the virtual node.
 */
export function serverlessRoutes(installation: string, platforms: readonly string[]): ServerlessRoutes {
  const labels = (platform: string) => ({ [LABEL_PLATFORM]: platform, [LABEL_CLUSTER]: installation });
  const all: Record<string, () => Route> = {
    fargate: () => ({ via: FARGATE_SCHEDULER, schedulerName: FARGATE_SCHEDULER, labels: labels('fargate') }),
    autopilot: () => ({
      via: 'default-scheduler',
      schedulerName: 'default-scheduler',
      labels: labels('autopilot'),
      nodeSelector: { [LABEL_COMPUTE_CLASS]: 'autopilot' },
    }),
  };
  return Object.fromEntries(platforms.flatMap((p) => (all[p] ? [[p, all[p]] as const] : [])));
}
