/**
 * The demo's team that opted in by label: its namespace carries
 * `berth.dev/enabled: "true"`, its Job is a plain one (no scheduler name, no
 * annotation), and its small CI pods are cheapest on Fargate, where the
 * webhook sends them (the sandbox's Fargate stand-in runs them).
 */
import { BatchV1Api, CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import {
  ANNOTATION_COMPLETE_AFTER,
  ANNOTATION_DECISION,
  GROUP,
  LABEL_ENABLED,
  POLICY_PLURAL,
} from '../model/index.ts';

export const OPTED_IN = { namespace: 'team-c', name: 'ci-lint', pods: 3, team: 'c' } as const;

/** Pods are refused in a namespace until its default ServiceAccount exists: wait for it (at most 10 s). */
export async function defaultServiceAccount(core: CoreV1Api, namespace: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const ok = await core.readNamespacedServiceAccount({ namespace, name: 'default' }).then(
      () => true,
      () => false,
    );
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Creates the labelled namespace, its policy and its Job; resolves once the Job is submitted. */
export async function submitOptedInTeam(kc: KubeConfig): Promise<void> {
  const core = kc.makeApiClient(CoreV1Api);
  const { namespace } = OPTED_IN;
  // The one step a team takes: label the namespace (kubectl label namespace team-c berth.dev/enabled=true).
  await core.createNamespace({
    body: { metadata: { name: namespace, labels: { [LABEL_ENABLED]: 'true' } } },
  });
  await defaultServiceAccount(core, namespace);
  // The team's platform owner allows on-demand or serverless, no burstable machines.
  await kc.makeApiClient(CustomObjectsApi).createNamespacedCustomObject({
    group: GROUP,
    version: 'v1alpha1',
    namespace,
    plural: POLICY_PLURAL,
    body: {
      apiVersion: `${GROUP}/v1alpha1`,
      kind: 'PlacementPolicy',
      metadata: { name: 'default' },
      spec: { capacityTypes: ['on-demand', 'serverless'], burstable: false },
    },
  });
  const spec = {
    restartPolicy: 'Never' as const,
    containers: [
      {
        name: 'lint',
        image: 'berth-demo/lint:latest',
        resources: { requests: { cpu: '250m', memory: '512Mi' } },
      },
    ],
  };
  // The webhook reads policies from its own cache: a dry run shows when it has this one (at most 10 s).
  for (let i = 0; i < 50; i++) {
    const probe = await core.createNamespacedPod({
      namespace,
      body: { metadata: { generateName: 'probe-' }, spec },
      dryRun: 'All',
    });
    if (probe.metadata?.annotations?.[ANNOTATION_DECISION]?.includes('"capacityType":"serverless"')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await kc.makeApiClient(BatchV1Api).createNamespacedJob({
    namespace,
    body: {
      metadata: { name: OPTED_IN.name, labels: { team: OPTED_IN.team } },
      spec: {
        completions: OPTED_IN.pods,
        parallelism: OPTED_IN.pods,
        backoffLimit: 2,
        template: {
          metadata: { labels: { team: OPTED_IN.team }, annotations: { [ANNOTATION_COMPLETE_AFTER]: '6s' } },
          spec,
        },
      },
    },
  });
}
