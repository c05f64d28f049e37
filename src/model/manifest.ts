import type { V1PodSpec } from '@kubernetes/client-node';
import type { Decision } from './decision.ts';

/** A pod, or a workload's pod template, read from a manifest file, with where it came from. */
export interface ManifestPod {
  /** Where to look, e.g. `quote.yaml document 2` (`... item 3` inside a List). */
  where: string;
  kind: string;
  name: string;
  namespace: string;
  /** How output and errors name it, e.g. `Deployment/web`. */
  object: string;
  /** Pods of this shape it runs at once (replicas; a Job's parallelism); 1 for a Pod. */
  replicas: number;
  /** Path of the pod spec inside the object, e.g. `spec.template.spec`. */
  specPath: string;
  spec: V1PodSpec;
  /** The pod template's annotations over the object's own. */
  annotations: Readonly<Record<string, string>>;
}

/** What `berth quote` says about one pod. */
export interface PodQuote {
  pod: ManifestPod;
  decision: Decision;
}
