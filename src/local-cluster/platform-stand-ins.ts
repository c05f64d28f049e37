/**
 * Stand-ins for the serverless platforms, which cannot run here: each gives
 * every pod the platform would run a Node of its own (kwok runs it), as EKS
 * Fargate and GKE Autopilot do. Sandbox only: never in the product build.
 */
import { CoreV1Api, type KubeConfig, type V1Node, type V1Pod } from '@kubernetes/client-node';
import {
  ACI_VIRTUAL_NODE,
  ANNOTATION_DECISION,
  ANNOTATION_KWOK_NODE,
  VIRTUAL_KUBELET_TAINT,
} from '../model/index.ts';

/** How one platform picks its pods and what Node it gives each. */
interface Platform {
  name: string;
  /** Pending pods it acts on (a field selector narrows the list; `wants` decides). */
  fieldSelector: string;
  wants(pod: V1Pod): boolean;
  /** Labels and taints of the node it gives a pod. */
  labels: Record<string, string>;
  taints?: NonNullable<V1Node['spec']>['taints'];
  /** Fargate binds the pod itself; Autopilot leaves it to the default scheduler. */
  binds: boolean;
}

const NODE_POD_LABEL = 'berth.dev/stand-in-pod';

export const FARGATE_STAND_IN: Platform = {
  name: 'fargate',
  fieldSelector: 'spec.schedulerName=fargate-scheduler,spec.nodeName=',
  wants: () => true,
  labels: { 'eks.amazonaws.com/compute-type': 'fargate' },
  taints: [{ key: 'eks.amazonaws.com/compute-type', value: 'fargate', effect: 'NoSchedule' }],
  binds: true,
};

export const AUTOPILOT_STAND_IN: Platform = {
  name: 'autopilot',
  fieldSelector: 'spec.nodeName=,status.phase=Pending',
  wants: (pod) => pod.spec?.nodeSelector?.['cloud.google.com/compute-class'] !== undefined,
  labels: {},
  binds: false,
};

/** The shape the webhook recorded (`500m/2048Mi`), which is what the platform gives the pod. */
function shapeOf(pod: V1Pod): { cpu: string; memory: string } {
  try {
    const d = JSON.parse(pod.metadata?.annotations?.[ANNOTATION_DECISION] ?? '{}') as { shape?: string };
    const [cpu, memory] = (d.shape ?? '').split('/');
    if (cpu && memory) return { cpu, memory };
  } catch {
    // no recorded shape: the platform's largest
  }
  return { cpu: '16', memory: '120Gi' };
}

function nodeFor(platform: Platform, pod: V1Pod): V1Node {
  const uid = pod.metadata?.uid ?? '';
  const name = `${platform.name}-${uid.slice(0, 13)}`;
  const { cpu, memory } = shapeOf(pod);
  const compute = platform.name === 'autopilot' ? (pod.spec?.nodeSelector ?? {}) : {};
  const resources = { cpu, memory, pods: '1', 'ephemeral-storage': '20Gi' };
  return {
    metadata: {
      name,
      labels: {
        'kubernetes.io/hostname': name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        [NODE_POD_LABEL]: uid,
        ...platform.labels,
        ...compute,
      },
      annotations: { [ANNOTATION_KWOK_NODE]: 'fake' },
    },
    spec: { ...(platform.taints ? { taints: platform.taints } : {}) },
    status: { capacity: resources, allocatable: resources },
  };
}

export interface StandIn {
  stop(): Promise<void>;
}

/**
 * Polls for the platform's pending pods (every `intervalMs`), gives each a
 * node (and binds it, where the platform does), and removes the nodes of
 * pods that are gone or finished.
 */
export function startPlatformStandIn(
  kc: KubeConfig,
  platform: Platform,
  o: { intervalMs?: number; onError?: (err: unknown) => void } = {},
): StandIn {
  const core = kc.makeApiClient(CoreV1Api);
  const onError = o.onError ?? ((err) => process.stderr.write(`${platform.name} stand-in: ${String(err)}\n`));
  let stopped = false;
  const tick = async () => {
    const pending = await core.listPodForAllNamespaces({ fieldSelector: platform.fieldSelector });
    for (const pod of pending.items.filter((p) => platform.wants(p) && !p.metadata?.deletionTimestamp)) {
      const node = nodeFor(platform, pod);
      await core.createNode({ body: node }).catch((err: unknown) => {
        if ((err as { code?: number }).code !== 409) throw err;
      });
      if (platform.binds) {
        const meta = pod.metadata ?? {};
        await core
          .createNamespacedPodBinding({
            namespace: meta.namespace ?? '',
            name: meta.name ?? '',
            body: {
              metadata: { name: meta.name, uid: meta.uid },
              target: { kind: 'Node', name: node.metadata?.name },
            },
          })
          .catch((err: unknown) => {
            if ((err as { code?: number }).code !== 409) throw err;
          });
      }
    }
    const nodes = await core.listNode({ labelSelector: NODE_POD_LABEL });
    const live = new Set(
      (await core.listPodForAllNamespaces()).items
        .filter(
          (p) => !['Succeeded', 'Failed'].includes(p.status?.phase ?? '') && !p.metadata?.deletionTimestamp,
        )
        .map((p) => p.metadata?.uid),
    );
    for (const n of nodes.items) {
      const uid = n.metadata?.labels?.[NODE_POD_LABEL];
      if (uid && !live.has(uid) && n.metadata?.name?.startsWith(`${platform.name}-`)) {
        await core.deleteNode({ name: n.metadata.name }).catch(() => undefined);
      }
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await tick().catch(onError);
      await new Promise((r) => setTimeout(r, o.intervalMs ?? 300));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/**
 * The virtual node AKS runs for Azure Container Instances, as a kwok node
 * with virtual-kubelet's taint: berth binds ACI pods to it. Idempotent.
 */
export async function ensureAciVirtualNode(kc: KubeConfig): Promise<void> {
  const capacity = { cpu: '10k', memory: '4Ti', pods: '5k', 'ephemeral-storage': '50Ti' };
  await kc
    .makeApiClient(CoreV1Api)
    .createNode({
      body: {
        metadata: {
          name: ACI_VIRTUAL_NODE,
          labels: {
            'kubernetes.io/hostname': ACI_VIRTUAL_NODE,
            'kubernetes.io/os': 'linux',
            'kubernetes.io/role': 'agent',
            type: 'virtual-kubelet',
          },
          annotations: { [ANNOTATION_KWOK_NODE]: 'fake' },
        },
        spec: { taints: [{ ...VIRTUAL_KUBELET_TAINT }] },
        status: { capacity, allocatable: capacity },
      },
    })
    .catch((err: unknown) => {
      if ((err as { code?: number }).code !== 409) throw err;
    });
}
