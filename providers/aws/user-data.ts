import type { Claim, Taint } from '../../src/model/index.ts';

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
const LABEL_FLAG = '--node-labels=';
const TAINT_FLAG = '--register-with-taints=';

// kubelet reads both flags as comma-separated k=v lists, so a value must not carry `,` or `=`;
// Kubernetes' own rules for label values and taint values are stricter still.
const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

function checked(claim: Claim, what: string, key: string, value: string): void {
  if (!LABEL_KEY.test(key) || key.length > 317) {
    throw new Error(`claim ${claim.id}: ${what} key ${JSON.stringify(key)} is not a valid Kubernetes key`);
  }
  if (!LABEL_VALUE.test(value) || value.length > 63) {
    throw new Error(
      `claim ${claim.id}: ${what} ${key} has value ${JSON.stringify(value)}, which kubelet cannot register (at most 63 of A-Z a-z 0-9 - _ .)`,
    );
  }
}

/** The kubelet flags that register the claim's labels and taints when the kubelet first starts. */
export function kubeletFlags(claim: Claim): string[] {
  const labels = Object.entries(claim.labels).sort(([a], [b]) => a.localeCompare(b));
  for (const [k, v] of labels) checked(claim, 'label', k, v);
  for (const t of claim.taints) checked(claim, 'taint', t.key, t.value ?? '');
  const flags: string[] = [];
  if (labels.length > 0) flags.push(LABEL_FLAG + labels.map(([k, v]) => `${k}=${v}`).join(','));
  if (claim.taints.length > 0) {
    flags.push(
      TAINT_FLAG + claim.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(','),
    );
  }
  return flags;
}

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

function parseList(flag: string): [string, string][] {
  return flag
    .split(',')
    .filter((s) => s.length > 0)
    .map((pair) => {
      const i = pair.indexOf('=');
      return i < 0 ? [pair, ''] : [pair.slice(0, i), pair.slice(i + 1)];
    });
}

function parseTaint(spec: string): Taint {
  const colon = spec.lastIndexOf(':');
  const effect = spec.slice(colon + 1);
  if (colon < 0 || (effect !== 'NoSchedule' && effect !== 'PreferNoSchedule' && effect !== 'NoExecute')) {
    throw new Error(
      `taint ${JSON.stringify(spec)} has no valid effect (NoSchedule, PreferNoSchedule, NoExecute)`,
    );
  }
  const [key, value] = parseList(spec.slice(0, colon))[0] ?? ['', ''];
  return value ? { key, value, effect } : { key, effect };
}

/**
 * Reads user data (plain or base64) the way nodeadm and the kubelet would:
 * the NodeConfig part of the MIME document, then the label and taint flags.
 * For the registrar that stands in for a kubelet; throws with what is wrong.
 */
export function nodeRegistrationOf(data: string): NodeRegistration {
  const text = data.includes('MIME-Version') ? data : Buffer.from(data, 'base64').toString('utf8');
  const boundary = /boundary="?([^"\r\n;]+)"?/.exec(text)?.[1];
  if (!boundary) throw new Error('user data is not a MIME multi-part document (no boundary)');
  const part = text
    .split(`--${boundary}`)
    .find((p) => new RegExp(`^\\s*Content-Type:\\s*${NODE_CONFIG_TYPE}`, 'i').test(p));
  if (!part) throw new Error(`user data has no ${NODE_CONFIG_TYPE} part`);
  const body = part.replace(/^\s*Content-Type:[^\n]*\n/i, '');
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
      for (const [k, v] of parseList(flag.slice(LABEL_FLAG.length))) labels[k] = v;
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
