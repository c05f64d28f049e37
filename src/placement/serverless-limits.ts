import type { V1Container, V1PodSpec } from '@kubernetes/client-node';
import { GPU_RESOURCES, PODS, type PodFeature, type Resources } from '../model/index.ts';

/**
 * What a pod may do on each serverless platform, from the platforms' own
 * documentation. A platform runs a pod in a slice it manages: there is no
 * host to share, so anything that reaches for the host (privileged mode, its
 * network, ports, filesystem or process namespaces), a device the slice does
 * not have, or a DaemonSet beside the pod rules the platform out.
 *
 * Where a page leaves a feature open, the platform is taken NOT to support
 * it: a wrong "no" costs a machine instead of a slice, a wrong "yes" leaves
 * the pod Pending on a platform that refuses it.
 */

export interface PlatformLimits {
  /** How rejections name the platform. */
  name: string;
  unsupported: ReadonlySet<PodFeature>;
  /** The largest pod the platform runs: millicores and MiB, the platform's own overhead included. */
  maxCpu: number;
  maxMemoryMiB: number;
  /** The most `ephemeral-storage` a pod may request (bytes of GiB). */
  maxEphemeralStorageGiB: number;
}

const ALL_HOST: readonly PodFeature[] = [
  'privileged',
  'hostNetwork',
  'hostPort',
  'hostPath',
  'hostNamespaces',
];

/**
 * One row per platform, keyed by the serverless offering's family (the
 * `family` field of pricing/catalog/serverless.json). A serverless family
 * missing here is not eligible at all (see `limitsOf`).
 */
export const SERVERLESS_LIMITS: Readonly<Record<string, PlatformLimits>> = {
  // EKS on Fargate: docs.aws.amazon.com/eks/latest/userguide/fargate.html ("AWS Fargate considerations":
  // no DaemonSets, no privileged containers, no HostNetwork/HostPort, no GPUs) and
  // .../fargate-pod-configuration.html (16 vCPU / 120 GiB at most; 20 GiB of ephemeral storage per pod).
  // hostPath and host PID/IPC: a Fargate pod has no host of its own to share.
  fargate: {
    name: 'fargate',
    unsupported: new Set<PodFeature>([...ALL_HOST, 'gpu', 'daemonSets']),
    maxCpu: 16_000,
    maxMemoryMiB: 120 * 1024,
    maxEphemeralStorageGiB: 20,
  },
  // GKE Autopilot, general-purpose compute class:
  // cloud.google.com/kubernetes-engine/docs/concepts/autopilot-security (privileged pods, host namespaces
  // and host networking are rejected unless allowlisted; hostPath only read-only under /var/log) and
  // .../about-autopilot-privileged-workloads; .../autopilot-resource-requests (28 vCPU / 80 GiB on every
  // cluster version, 10 GiB of ephemeral storage without local SSD). GPUs need the accelerator class,
  // which is not this offering. DaemonSets do run on Autopilot nodes.
  autopilot: {
    name: 'autopilot',
    unsupported: new Set<PodFeature>([...ALL_HOST, 'gpu']),
    maxCpu: 28_000,
    maxMemoryMiB: 80 * 1024,
    maxEphemeralStorageGiB: 10,
  },
  // Azure Container Instances behind AKS virtual nodes: learn.microsoft.com/azure/aks/virtual-nodes
  // ("Known limitations": DaemonSets don't deploy pods to virtual nodes) and
  // learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits
  // (Linux container group without GPU: 4 vCPU / 16 GiB in most regions). ACI runs no privileged
  // containers and gives no host access. A Linux container group gets about 50 GB of disk that its
  // images share (learn.microsoft.com/answers/questions/27033); we promise a pod at most 20 GiB of it.
  aci: {
    name: 'aci',
    unsupported: new Set<PodFeature>([...ALL_HOST, 'gpu', 'daemonSets']),
    maxCpu: 4000,
    maxMemoryMiB: 16 * 1024,
    maxEphemeralStorageGiB: 20,
  },
};

export function limitsOf(family: string): PlatformLimits | undefined {
  return SERVERLESS_LIMITS[family];
}

/** How a rejection words each feature: `<platform>: <words> (<field>)`. */
export const FEATURE_WORDS: Readonly<Record<PodFeature, string>> = {
  privileged: 'privileged containers are not supported',
  hostNetwork: 'the host network is not supported',
  hostPort: 'host ports are not supported',
  hostPath: 'hostPath volumes are not supported',
  hostNamespaces: 'host PID and IPC namespaces are not supported',
  gpu: 'GPUs are not supported',
  daemonSets: 'DaemonSets do not run there',
};

// ---- what the pod uses: one small function per feature, each naming the field ----

interface NamedContainer {
  c: V1Container;
  path: string;
}

function containersOf(spec: V1PodSpec): NamedContainer[] {
  const out: NamedContainer[] = [];
  const lists = [
    ['initContainers', spec.initContainers],
    ['containers', spec.containers],
    ['ephemeralContainers', spec.ephemeralContainers],
  ] as const;
  for (const [key, list] of lists) {
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      if (c && typeof c === 'object') out.push({ c: c as V1Container, path: `spec.${key}[${i}]` });
    });
  }
  return out;
}

export function privilegedField(spec: V1PodSpec): string | undefined {
  const hit = containersOf(spec).find(({ c }) => c.securityContext?.privileged === true);
  return hit && `${hit.path}.securityContext.privileged`;
}

export function hostNetworkField(spec: V1PodSpec): string | undefined {
  return spec.hostNetwork === true ? 'spec.hostNetwork' : undefined;
}

export function hostPortField(spec: V1PodSpec): string | undefined {
  for (const { c, path } of containersOf(spec)) {
    const ports = Array.isArray(c.ports) ? c.ports : [];
    const j = ports.findIndex((p) => (p?.hostPort ?? 0) > 0);
    if (j >= 0) return `${path}.ports[${j}].hostPort`;
  }
  return undefined;
}

export function hostPathField(spec: V1PodSpec): string | undefined {
  const volumes = Array.isArray(spec.volumes) ? spec.volumes : [];
  const i = volumes.findIndex((v) => v?.hostPath !== undefined && v.hostPath !== null);
  return i >= 0 ? `spec.volumes[${i}].hostPath` : undefined;
}

export function hostNamespacesField(spec: V1PodSpec): string | undefined {
  if (spec.hostPID === true) return 'spec.hostPID';
  if (spec.hostIPC === true) return 'spec.hostIPC';
  return undefined;
}

/** The container asking for a GPU (by request or limit, which Kubernetes treats alike for extended resources). */
export function gpuField(spec: V1PodSpec): string | undefined {
  for (const { c, path } of containersOf(spec)) {
    for (const kind of ['requests', 'limits'] as const) {
      const amounts = c.resources?.[kind] ?? {};
      const name = GPU_RESOURCES.find((g) => amounts[g] !== undefined && String(amounts[g]) !== '0');
      if (name) return `${path}.resources.${kind}["${name}"]`;
    }
  }
  return undefined;
}

/** What the pod uses of the features some platforms lack, with where it says so. */
export type PodFeatures = Partial<Record<PodFeature, string>>;

/**
 * The features a pod uses, each with the field that asks for it. `daemonSets`
 * are the requests of the DaemonSet pods that would follow the pod onto a
 * dedicated node (Sizing.daemonSets): a platform without DaemonSets would
 * silently drop them.
 */
export function podFeatures(spec: V1PodSpec, daemonSets: Resources = {}): PodFeatures {
  const out: PodFeatures = {};
  const found: [PodFeature, string | undefined][] = [
    ['privileged', privilegedField(spec)],
    ['hostNetwork', hostNetworkField(spec)],
    ['hostPort', hostPortField(spec)],
    ['hostPath', hostPathField(spec)],
    ['hostNamespaces', hostNamespacesField(spec)],
    ['gpu', gpuField(spec)],
  ];
  const following = daemonSets[PODS] ?? 0;
  if (following > 0) {
    found.push([
      'daemonSets',
      `${following} DaemonSet${following === 1 ? '' : 's'} tolerating the dedicated taint`,
    ]);
  }
  for (const [feature, field] of found) if (field !== undefined) out[feature] = field;
  return out;
}
