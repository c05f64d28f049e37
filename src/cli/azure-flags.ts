import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { InputError } from '../model/index.ts';

/** The `berth run` flags that configure the Azure provider (each also read from its $BERTH_AZURE_… variable). */
export interface AzureFlags {
  azureSubscription?: string;
  azureResourceGroup?: string;
  azureCluster?: string;
  azureSubnet?: string;
  azureImage?: string;
  azureIdentity?: string;
  azureZones?: string;
  azureClusterEndpoint?: string;
  azureClusterCa?: string;
  azureBootstrapToken?: string;
  azureSshPublicKey?: string;
  azureEvictionQueue?: string;
  azureEvictionRates?: string;
  azureDefaultEvictionBand?: string;
  azureEndpoint?: string;
  azureEndpointCa?: string;
}

const FLAGS: [spelling: string, env: string, help: string][] = [
  ['--azure-subscription <id>', 'BERTH_AZURE_SUBSCRIPTION', 'subscription the VMs are billed to'],
  [
    '--azure-resource-group <name>',
    'BERTH_AZURE_RESOURCE_GROUP',
    "the AKS cluster's node resource group (MC_…)",
  ],
  ['--azure-cluster <name>', 'BERTH_AZURE_CLUSTER', 'AKS cluster the VMs join (tagged on every resource)'],
  ['--azure-subnet <id>', 'BERTH_AZURE_SUBNET', 'resource ID of the node subnet'],
  [
    '--azure-image <id|urn>',
    'BERTH_AZURE_IMAGE',
    'AKS node image: a gallery image version ID or publisher:offer:sku:version',
  ],
  ['--azure-identity <id>', 'BERTH_AZURE_IDENTITY', "resource ID of the kubelet's user-assigned identity"],
  [
    '--azure-zones <1,2,3>',
    'BERTH_AZURE_ZONES',
    'zones tried in turn for an offering without one (default: regional VMs)',
  ],
  [
    '--azure-cluster-endpoint <url>',
    'BERTH_AZURE_CLUSTER_ENDPOINT',
    "the cluster's API server (default: the kubeconfig's)",
  ],
  [
    '--azure-cluster-ca <base64>',
    'BERTH_AZURE_CLUSTER_CA',
    "the cluster's CA bundle, base64 (default: the kubeconfig's)",
  ],
  [
    '--azure-bootstrap-token <token>',
    'BERTH_AZURE_BOOTSTRAP_TOKEN',
    'short-lived Kubernetes bootstrap token the kubelet asks for its certificate with',
  ],
  [
    '--azure-ssh-public-key <key|@file>',
    'BERTH_AZURE_SSH_PUBLIC_KEY',
    "OpenSSH public key of the VMs' admin user",
  ],
  [
    '--azure-eviction-queue <url>',
    'BERTH_AZURE_EVICTION_QUEUE',
    'Storage Queue URL Event Grid sends spot evictions to',
  ],
  [
    '--azure-eviction-rates <json|@file>',
    'BERTH_AZURE_EVICTION_RATES',
    'size -> eviction-rate band (0-5, 5-10, 10-15, 15-20, 20+) for spot',
  ],
  [
    '--azure-default-eviction-band <band>',
    'BERTH_AZURE_DEFAULT_EVICTION_BAND',
    'band for spot sizes without a rate (default 10-15)',
  ],
  ['--azure-endpoint <url>', 'BERTH_AZURE_ENDPOINT', 'Resource Manager endpoint override (a local stand-in)'],
  ['--azure-endpoint-ca <file>', 'BERTH_AZURE_ENDPOINT_CA', 'PEM CA to trust for --azure-endpoint'],
];

export function addAzureFlags(command: Command): Command {
  for (const [spelling, env, help] of FLAGS)
    command.addOption(new Option(spelling, `azure provider: ${help}`).env(env));
  return command;
}

/** A value or `@path` to a file holding it. */
export function valueOrFile(value: string | undefined, field: string): string | undefined {
  if (value === undefined || !value.startsWith('@')) return value;
  try {
    return readFileSync(value.slice(1), 'utf8').trim();
  } catch (err) {
    throw new InputError(
      `cannot read ${value.slice(1)}: ${err instanceof Error ? err.message : String(err)}`,
      { field },
    );
  }
}

export function parseZones(value: string | undefined): string[] | undefined {
  const zones = (value ?? '')
    .split(',')
    .map((z) => z.trim())
    .filter((z) => z.length > 0);
  return zones.length > 0 ? zones : undefined;
}

/** `{"Standard_D2s_v5": "0-5"}` (or @file): Azure's published eviction-rate band per size. */
export function parseEvictionRates(value: string | undefined): Record<string, string> | undefined {
  const text = valueOrFile(value, '--azure-eviction-rates');
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InputError('expected a JSON object of size -> band', { field: '--azure-eviction-rates' });
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InputError('expected a JSON object of size -> band', { field: '--azure-eviction-rates' });
  }
  const out: Record<string, string> = {};
  for (const [size, band] of Object.entries(parsed)) {
    if (typeof band !== 'string') {
      throw new InputError(`expected a band such as "0-5" for ${size}`, { field: '--azure-eviction-rates' });
    }
    out[size] = band;
  }
  return out;
}
