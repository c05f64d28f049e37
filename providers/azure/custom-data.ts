import { parse, stringify } from 'yaml';
import {
  type Claim,
  kubeletFlags,
  parseTaint,
  TAINT_FLAG as TAINT_FLAG_EQ,
  type Taint,
} from '../../src/model/index.ts';

/** Where AKS's scriptless bootstrap (aks-node-controller) reads its configuration on the node. */
export const NODE_CONFIG_PATH = '/opt/azure/containers/aks-node-controller-config.json';

/** What a VM needs to join the AKS cluster. */
export interface AksBootstrap {
  /** The API server, `https://host:443`. */
  apiServer: string;
  /** Cluster CA, base64 PEM. */
  caCertBase64: string;
  /** A short-lived Kubernetes bootstrap token: enough to ask for a kubelet certificate, nothing more. */
  bootstrapToken: string;
  location: string;
  resourceGroup: string;
}

/**
 * The subset of aks-node-controller's `aksnodeconfig.v1.Configuration` (its
 * JSON form) berth writes: the API server, the CA, token bootstrapping with a
 * CSR, and the kubelet's labels, taints and maxPods.
 */
export interface AksNodeConfig {
  version: 'v1';
  apiServerConfig: { apiServerName: string };
  kubernetesCaCert: string;
  vmSize: string;
  clusterConfig: { location: string; resourceGroup: string };
  bootstrappingConfig: {
    bootstrappingAuthMethod: 'BOOTSTRAPPING_AUTH_METHOD_BOOTSTRAP_TOKEN';
    clusterJoinMethod: 'CLUSTER_JOIN_METHOD_GENERATE_CSR';
    tlsBootstrappingToken: string;
  };
  kubeletConfig: {
    kubeletFlags: Record<string, string>;
    kubeletNodeLabels: Record<string, string>;
  };
}

/** The flag's name, as aks-node-controller keys its kubelet flags. */
const TAINT_FLAG = TAINT_FLAG_EQ.slice(0, -1);

export function aksNodeConfig(claim: Claim, b: AksBootstrap): AksNodeConfig {
  const flags: Record<string, string> = {};
  // Validated and formatted the way every berth kubelet gets them; labels also go in their own map.
  for (const f of kubeletFlags(claim)) {
    const i = f.indexOf('=');
    if (f.slice(0, i) === TAINT_FLAG) flags[TAINT_FLAG] = f.slice(i + 1);
  }
  if (claim.node?.maxPods !== undefined) flags['--max-pods'] = String(claim.node.maxPods);
  return {
    version: 'v1',
    apiServerConfig: { apiServerName: new URL(b.apiServer).hostname },
    kubernetesCaCert: b.caCertBase64,
    vmSize: claim.offering.instanceType,
    clusterConfig: { location: b.location, resourceGroup: b.resourceGroup },
    bootstrappingConfig: {
      bootstrappingAuthMethod: 'BOOTSTRAPPING_AUTH_METHOD_BOOTSTRAP_TOKEN',
      clusterJoinMethod: 'CLUSTER_JOIN_METHOD_GENERATE_CSR',
      tlsBootstrappingToken: b.bootstrapToken,
    },
    kubeletConfig: {
      kubeletFlags: flags,
      kubeletNodeLabels: Object.fromEntries(
        Object.entries(claim.labels).sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
  };
}

/**
 * The VM's custom data, base64: a cloud-config that writes the node
 * configuration where aks-node-controller reads it at first boot, so the
 * kubelet registers with berth's taint and labels already in place.
 */
export function customData(claim: Claim, b: AksBootstrap): string {
  const config = JSON.stringify(aksNodeConfig(claim, b));
  const doc = `#cloud-config\n${stringify({
    write_files: [
      {
        path: NODE_CONFIG_PATH,
        permissions: '0600',
        owner: 'root:root',
        encoding: 'b64',
        content: Buffer.from(config, 'utf8').toString('base64'),
      },
    ],
  })}`;
  return Buffer.from(doc, 'utf8').toString('base64');
}

/** What a kubelet bootstrapped from this custom data registers. */
export interface AksRegistration {
  config: AksNodeConfig;
  labels: Record<string, string>;
  taints: Taint[];
  maxPods?: number;
}

/**
 * Reads custom data (base64) the way the node's bootstrap would: the
 * cloud-config's file at NODE_CONFIG_PATH, then the kubelet's labels, taints
 * and maxPods. For the registrar standing in for the kubelet; throws with
 * what is wrong.
 */
export function registrationOf(data: string): AksRegistration {
  const text = Buffer.from(data, 'base64').toString('utf8');
  if (!text.startsWith('#cloud-config')) throw new Error('custom data is not a cloud-config');
  const doc = parse(text) as {
    write_files?: { path?: string; content?: string; encoding?: string }[];
  } | null;
  const file = doc?.write_files?.find((f) => f.path === NODE_CONFIG_PATH);
  if (!file?.content) throw new Error(`custom data writes no ${NODE_CONFIG_PATH}`);
  const json = file.encoding === 'b64' ? Buffer.from(file.content, 'base64').toString('utf8') : file.content;
  const config = JSON.parse(json) as AksNodeConfig;
  if (!config.apiServerConfig?.apiServerName || !config.bootstrappingConfig?.tlsBootstrappingToken) {
    throw new Error('the node configuration has no API server or bootstrap token');
  }
  const flags = config.kubeletConfig?.kubeletFlags ?? {};
  const taints = (flags[TAINT_FLAG] ?? '')
    .split(',')
    .filter((s) => s.length > 0)
    .map(parseTaint);
  const maxPods = Number(flags['--max-pods']);
  return {
    config,
    labels: { ...(config.kubeletConfig?.kubeletNodeLabels ?? {}) },
    taints,
    ...(Number.isInteger(maxPods) && maxPods > 0 ? { maxPods } : {}),
  };
}
