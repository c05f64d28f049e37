/** The names berth writes and reads on Kubernetes objects (see design.md, Naming). */
export const GROUP = 'berth.dev';
/** The scheduler name pods ask for when the installation keeps the default (berth run --scheduler-name). */
export const SCHEDULER_NAME = 'berth';

export const ANNOTATION_POLICY = 'berth.dev/policy';
export const TAINT_DEDICATED = 'berth.dev/dedicated';
export const FINALIZER = 'berth.dev/teardown';

export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_ZONE = 'topology.kubernetes.io/zone';
export const LABEL_ARCH = 'kubernetes.io/arch';
export const LABEL_CAPACITY_TYPE = 'berth.dev/capacity-type';
export const LABEL_CLOUD = 'berth.dev/cloud';
export const LABEL_POD_UID = 'berth.dev/pod-uid';
export const LABEL_GPU_MODEL = 'berth.dev/gpu-model';
export const LABEL_INSTANCE_FAMILY = 'berth.dev/instance-family';
/** Every node berth launches runs Linux, so pods may select on it. */
export const LABEL_OS = 'kubernetes.io/os';

/** Which provider launched a node (`local`, `aws`, ...): how a provider finds everything it owns. */
export const LABEL_PROVIDER = 'berth.dev/provider';
/** The berth installation a node belongs to, so two clusters sharing one account never touch each other's machines. */
export const LABEL_CLUSTER = 'berth.dev/cluster';
/** The claim a machine was launched for: a second launch of the same claim finds it, another claim never reuses it. */
export const ANNOTATION_CLAIM_ID = 'berth.dev/claim-id';
/** The offering a machine was launched as (an annotation: offering ids are not valid label values). */
export const ANNOTATION_OFFERING_ID = 'berth.dev/offering-id';
/** RFC 3339 time the machine was launched. */
export const ANNOTATION_LAUNCHED_AT = 'berth.dev/launched-at';

/** kwok runs only nodes carrying this annotation. */
export const ANNOTATION_KWOK_NODE = 'kwok.x-k8s.io/node';
/** Our kwok stage completes a pod this long after it starts running (a Go duration, e.g. `30s`). */
export const ANNOTATION_COMPLETE_AFTER = 'berth.dev/complete-after';

/** The virtual node AKS runs for Azure Container Instances, and the taint virtual-kubelet puts on it. */
export const ACI_VIRTUAL_NODE = 'virtual-node-aci-linux';
export const VIRTUAL_KUBELET_TAINT = {
  key: 'virtual-kubelet.io/provider',
  value: 'azure',
  effect: 'NoSchedule',
} as const;
