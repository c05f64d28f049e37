import {
  type Claim,
  kubeletFlags,
  LABEL_FLAG,
  parseKubeletList,
  parseTaint,
  TAINT_FLAG,
  type Taint,
} from '../../src/model/index.ts';

export { kubeletFlags };

/** What a machine needs to join the EKS cluster (nodeadm's `spec.cluster`). */
export interface ClusterBootstrap {
  name: string;
  apiServerEndpoint: string;
  /** Base64 CA bundle. */
  certificateAuthority: string;
  /** Service CIDR. */
  cidr: string;
}

/** nodeadm's configuration object (AL2023 EKS AMIs), as much of it as berth writes. */
export interface NodeConfig {
  apiVersion: 'node.eks.aws/v1alpha1';
  kind: 'NodeConfig';
  spec: {
    cluster: ClusterBootstrap;
    kubelet: {
      /** KubeletConfiguration fields nodeadm merges over its defaults. */
      config?: { maxPods?: number };
      flags: string[];
    };
  };
}

const NODE_CONFIG_TYPE = 'application/node.eks.aws';
const BOUNDARY = 'BERTH-NODECONFIG-BOUNDARY';
/**
 * The NodeConfig for a claim. With node settings, the kubelet runs with the
 * claim's maxPods (sized for the pod and its DaemonSets), which also sizes
 * nodeadm's kube-reserved memory, rather than the ENI maximum.
 */
export function nodeConfig(claim: Claim, cluster: ClusterBootstrap): NodeConfig {
  const maxPods = claim.node?.maxPods;
  return {
    apiVersion: 'node.eks.aws/v1alpha1',
    kind: 'NodeConfig',
    spec: {
      cluster: { ...cluster },
      kubelet: {
        ...(maxPods !== undefined ? { config: { maxPods } } : {}),
        flags: kubeletFlags(claim),
      },
    },
  };
}

/**
 * The machine's user data, base64: a MIME multi-part document with one
 * NodeConfig part, which nodeadm on an AL2023 EKS AMI reads at boot to join
 * the cluster with the dedicated taint and berth's labels already in place
 * (so no other pod can land there in the moment before berth binds its own).
 * The NodeConfig is written as JSON, which is YAML too.
 */
export function userData(claim: Claim, cluster: ClusterBootstrap): string {
  const doc = [
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${BOUNDARY}"`,
    '',
    `--${BOUNDARY}`,
    `Content-Type: ${NODE_CONFIG_TYPE}`,
    '',
    JSON.stringify(nodeConfig(claim, cluster), null, 2),
    '',
    `--${BOUNDARY}--`,
    '',
  ].join('\n');
  return Buffer.from(doc, 'utf8').toString('base64');
}

/** What a kubelet started from this user data would register: its labels and taints, and its maxPods when set. */
export interface NodeRegistration {
  cluster: ClusterBootstrap;
  labels: Record<string, string>;
  taints: Taint[];
  maxPods?: number;
}

/**
 * Reads user data (plain or base64) the way nodeadm and the kubelet would:
 * the NodeConfig part of the MIME document, then the label and taint flags.
 * For the registrar that stands in for a kubelet; throws with what is wrong.
 */
export function nodeRegistrationOf(data: string): NodeRegistration {
  const text = userDataText(data);
  const boundary = /boundary="?([^"\r\n;]+)"?/.exec(text)?.[1];
  if (!boundary) throw new Error('user data is not a MIME multi-part document (no boundary)');
  const part = text
    .split(`--${boundary}`)
    .find((p) => new RegExp(`^\\s*Content-Type:\\s*${NODE_CONFIG_TYPE}`, 'i').test(p));
  if (!part) throw new Error(`user data has no ${NODE_CONFIG_TYPE} part`);
  return nodeRegistrationFromJson(part.replace(/^\s*Content-Type:[^\n]*\n/i, ''));
}

/** User data as text, whether it came plain or base64. */
export function userDataText(data: string): string {
  return data.includes('MIME-Version') ? data : Buffer.from(data, 'base64').toString('utf8');
}

/** A NodeConfig (JSON) read the way nodeadm and the kubelet would. */
export function nodeRegistrationFromJson(body: string): NodeRegistration {
  let config: NodeConfig;
  try {
    config = JSON.parse(body) as NodeConfig;
  } catch (err) {
    throw new Error(`the NodeConfig in the user data is not JSON: ${String(err)}`);
  }
  if (config.kind !== 'NodeConfig' || !config.spec?.cluster) {
    throw new Error('the user data part is not a NodeConfig with spec.cluster');
  }
  const labels: Record<string, string> = {};
  const taints: Taint[] = [];
  for (const flag of config.spec.kubelet?.flags ?? []) {
    if (flag.startsWith(LABEL_FLAG)) {
      for (const [k, v] of parseKubeletList(flag.slice(LABEL_FLAG.length))) labels[k] = v;
    } else if (flag.startsWith(TAINT_FLAG)) {
      for (const spec of flag.slice(TAINT_FLAG.length).split(',')) taints.push(parseTaint(spec));
    }
  }
  const maxPods = config.spec.kubelet?.config?.maxPods;
  return {
    cluster: config.spec.cluster,
    labels,
    taints,
    ...(typeof maxPods === 'number' && Number.isInteger(maxPods) && maxPods > 0 ? { maxPods } : {}),
  };
}
