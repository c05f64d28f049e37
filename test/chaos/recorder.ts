import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Node,
  type V1Pod,
} from '@kubernetes/client-node';
import { pino } from 'pino';
import { type ResourceWatch, watchResources } from '../../src/kube/informer.ts';
import {
  ANNOTATION_CLAIM_ID,
  BERTH_PLURAL,
  type BerthObject,
  GROUP,
  LABEL_CLUSTER,
  LABEL_POD_UID,
} from '../../src/model/index.ts';

/** Everything the test saw happen to one pod, from its own watch. */
export interface PodSeen {
  namespace: string;
  name: string;
  /** Every distinct spec.nodeName in the order seen; bound exactly once is length 1. */
  nodeNames: string[];
  phases: Set<string>;
  firstSeen: number;
  boundAt?: number;
  deleted: boolean;
}

/** One machine as a Node: a new uid under a name is a new machine. */
export interface NodeSeen {
  name: string;
  claimId?: string;
  podUid?: string;
  deleted: boolean;
}

export interface BerthSeen {
  namespace: string;
  name: string;
  podUid: string;
  phases: Set<string>;
  firstSeen: number;
  deleted: boolean;
}

export interface Observations {
  pods: Map<string, PodSeen>;
  nodes: Map<string, NodeSeen>;
  berths: Map<string, BerthSeen>;
}

export interface Recorder {
  readonly seen: Observations;
  stop(): Promise<void>;
}

/**
 * Watches the pods of one scheduler name, the Nodes and Berths of its
 * installation, and records every change, so the checks judge what happened
 * along the way and not only how it ended.
 */
export async function startRecorder(kc: KubeConfig, schedulerName: string): Promise<Recorder> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const seen: Observations = { pods: new Map(), nodes: new Map(), berths: new Map() };
  const quiet = pino({ level: 'silent' });

  const pod = (p: V1Pod) => {
    const uid = p.metadata?.uid;
    if (!uid) return;
    let s = seen.pods.get(uid);
    if (!s) {
      s = {
        namespace: p.metadata?.namespace ?? '',
        name: p.metadata?.name ?? '',
        nodeNames: [],
        phases: new Set(),
        firstSeen: Date.now(),
        deleted: false,
      };
      seen.pods.set(uid, s);
    }
    const node = p.spec?.nodeName;
    if (node && s.nodeNames.at(-1) !== node) {
      s.nodeNames.push(node);
      s.boundAt ??= Date.now();
    }
    if (p.status?.phase) s.phases.add(p.status.phase);
  };
  const node = (n: V1Node) => {
    const uid = n.metadata?.uid;
    if (!uid || seen.nodes.has(uid)) return;
    seen.nodes.set(uid, {
      name: n.metadata?.name ?? '',
      claimId: n.metadata?.annotations?.[ANNOTATION_CLAIM_ID],
      podUid: n.metadata?.labels?.[LABEL_POD_UID],
      deleted: false,
    });
  };
  const berth = (b: BerthObject) => {
    const uid = b.metadata.uid;
    if (!uid) return;
    let s = seen.berths.get(uid);
    if (!s) {
      s = {
        namespace: b.metadata.namespace ?? '',
        name: b.metadata.name,
        podUid: b.spec.pod.uid,
        phases: new Set(),
        firstSeen: Date.now(),
        deleted: false,
      };
      seen.berths.set(uid, s);
    }
    if (b.status?.phase) s.phases.add(b.status.phase);
  };

  const podSelector = `spec.schedulerName=${schedulerName}`;
  const nodeSelector = `${LABEL_CLUSTER}=${schedulerName}`;
  const watches: ResourceWatch<never>[] = [
    watchResources(
      kc,
      '/api/v1/pods',
      () => core.listPodForAllNamespaces({ fieldSelector: podSelector }),
      {
        onAdd: pod,
        onUpdate: pod,
        onDelete: (p) => {
          pod(p);
          const s = seen.pods.get(p.metadata?.uid ?? '');
          if (s) s.deleted = true;
        },
      },
      { fieldSelector: podSelector, model: 'V1Pod', name: 'chaos pods', logger: quiet },
    ) as ResourceWatch<never>,
    watchResources(
      kc,
      '/api/v1/nodes',
      () => core.listNode({ labelSelector: nodeSelector }),
      {
        onAdd: node,
        onUpdate: node,
        onDelete: (n) => {
          node(n);
          const s = seen.nodes.get(n.metadata?.uid ?? '');
          if (s) s.deleted = true;
        },
      },
      { labelSelector: nodeSelector, model: 'V1Node', name: 'chaos nodes', logger: quiet },
    ) as ResourceWatch<never>,
    watchResources<BerthObject>(
      kc,
      `/apis/${GROUP}/v1alpha1/${BERTH_PLURAL}`,
      // The custom-objects client is untyped; the CRD's schema guarantees the shape.
      () =>
        custom.listClusterCustomObject({
          group: GROUP,
          version: 'v1alpha1',
          plural: BERTH_PLURAL,
          labelSelector: nodeSelector,
        }),
      {
        onAdd: berth,
        onUpdate: berth,
        onDelete: (b) => {
          berth(b);
          const s = seen.berths.get(b.metadata.uid ?? '');
          if (s) s.deleted = true;
        },
      },
      { labelSelector: nodeSelector, name: 'chaos berths', logger: quiet },
    ) as ResourceWatch<never>,
  ];
  await Promise.all(watches.map((w) => w.hasSynced()));
  return {
    seen,
    async stop() {
      await Promise.all(watches.map((w) => w.stop()));
    },
  };
}
