import {
  type BerthObject,
  type Claim,
  LABEL_ARCH,
  LABEL_CAPACITY_TYPE,
  LABEL_CLUSTER,
  LABEL_CLOUD,
  LABEL_GPU_MODEL,
  LABEL_INSTANCE_FAMILY,
  LABEL_INSTANCE_TYPE,
  LABEL_POD_UID,
  LABEL_REGION,
  LABEL_ZONE,
  type Offering,
  TAINT_DEDICATED,
} from '../model/index.ts';

/**
 * The node for a pod's n-th launch attempt. Derived from the pod's uid, so a
 * restarted controller names the same node, and a different pod can never get
 * this one.
 */
export function nodeNameFor(podUid: string, attempt: number): string {
  return `berth-${podUid.replaceAll('-', '').slice(0, 16)}-${attempt}`;
}

/**
 * One launch = one claim; the id makes a repeated launch of the same attempt
 * buy nothing new. `owner` (the installation's scheduler name) is a node label
 * too, because a real kubelet registers only the labels it is given. The node
 * settings the Berth recorded (root volume, maxPods) go with it, so the
 * provider launches what was priced; a fallback offering whose machine takes
 * fewer pods gets its own limit.
 */
export function claimFor(berth: BerthObject, offering: Offering, attempt: number, owner: string): Claim {
  const pod = berth.spec.pod;
  const node = berth.spec.node;
  return {
    id: `${berth.metadata.uid ?? pod.uid}-${attempt}`,
    nodeName: nodeNameFor(pod.uid, attempt),
    pod,
    offering,
    labels: { ...nodeLabels(offering, pod.uid), [LABEL_CLUSTER]: owner },
    taints: [{ key: TAINT_DEDICATED, value: pod.uid, effect: 'NoSchedule' }],
    ...(node && offering.capacityType !== 'serverless'
      ? {
          node: {
            rootVolumeGiB: node.rootVolumeGiB,
            maxPods: Math.min(node.maxPods, offering.maxPods ?? node.maxPods),
          },
        }
      : {}),
  };
}

export function nodeLabels(o: Offering, podUid: string): Record<string, string> {
  const labels: Record<string, string> = {
    [LABEL_INSTANCE_TYPE]: o.instanceType,
    [LABEL_REGION]: o.region,
    [LABEL_ARCH]: o.arch,
    [LABEL_CAPACITY_TYPE]: o.capacityType,
    [LABEL_CLOUD]: o.cloud,
    [LABEL_INSTANCE_FAMILY]: o.family,
    [LABEL_POD_UID]: podUid,
  };
  if (o.zone) labels[LABEL_ZONE] = o.zone;
  if (o.gpu) labels[LABEL_GPU_MODEL] = o.gpu.model;
  return labels;
}
