import { InputError } from '../../src/model/index.ts';

/** Everything the Azure provider needs to launch VMs that join one AKS cluster. */
export interface AzureProviderConfig {
  subscriptionId: string;
  /** The cluster's node resource group (`MC_…`): where VMs, NICs and disks are created. */
  resourceGroup: string;
  /** Azure region (`eastus`). */
  location: string;
  /** The AKS cluster the VMs join; tagged on every resource. */
  clusterName: string;
  /** Resource ID of the node subnet. */
  subnetId: string;
  /**
   * The AKS node image: a resource ID (`/subscriptions/…/galleries/…/versions/…`
   * or a managed image) or `publisher:offer:sku:version`.
   */
  image: string;
  /** Resource ID of the user-assigned identity the kubelet runs as (pulls from ACR, talks to Azure). */
  identityId?: string;
  /** Zones ("1", "2", "3") tried in turn for an offering without a zone; none means regional VMs. */
  zones?: string[];
  /** The API server the kubelet joins (`https://…:443`). */
  clusterEndpoint: string;
  /** The cluster CA bundle, base64 PEM. */
  clusterCertificateAuthority: string;
  /** A Kubernetes bootstrap token (`abcdef.0123456789abcdef`), short-lived: it only lets the kubelet ask for its certificate. */
  bootstrapToken: string;
  /** OpenSSH public key for the admin user (Azure needs one for a Linux VM; password login is off). */
  sshPublicKey: string;
  adminUsername?: string;
  /** Storage queue URL (`https://<account>.queue.core.windows.net/<queue>`) Event Grid sends spot evictions to. */
  evictionQueueUrl?: string;
  /** ARM endpoint override (a local stand-in); default https://management.azure.com. */
  endpoint?: string;
  /** PEM CA bundle to trust for `endpoint`. */
  endpointCa?: string;
}

const TOKEN = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SUBNET =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;

function need(value: string | undefined, field: string, what: string): string {
  if (!value || value.trim() === '') throw new InputError(`the azure provider needs ${what}`, { field });
  return value.trim();
}

/** Checks a configuration field by field; the flags' names are what a person would fix. */
export function validateAzureConfig(c: AzureProviderConfig): AzureProviderConfig {
  need(c.subscriptionId, '--azure-subscription', 'the subscription id');
  if (!GUID.test(c.subscriptionId)) {
    throw new InputError(`expected a subscription GUID, got "${c.subscriptionId}"`, {
      field: '--azure-subscription',
    });
  }
  need(c.resourceGroup, '--azure-resource-group', "the cluster's node resource group");
  need(c.location, '--region', 'a region');
  need(c.clusterName, '--azure-cluster', 'the AKS cluster name');
  if (!SUBNET.test(need(c.subnetId, '--azure-subnet', 'the node subnet'))) {
    throw new InputError(
      `expected a subnet resource ID (/subscriptions/…/virtualNetworks/…/subnets/…), got "${c.subnetId}"`,
      { field: '--azure-subnet' },
    );
  }
  const image = need(c.image, '--azure-image', 'the AKS node image');
  if (!image.startsWith('/subscriptions/') && image.split(':').length !== 4) {
    throw new InputError(`expected an image resource ID or publisher:offer:sku:version, got "${image}"`, {
      field: '--azure-image',
    });
  }
  if (!TOKEN.test(need(c.bootstrapToken, '--azure-bootstrap-token', 'a bootstrap token'))) {
    throw new InputError('expected a bootstrap token of the form abcdef.0123456789abcdef', {
      field: '--azure-bootstrap-token',
    });
  }
  if (
    !/^(ssh-ed25519|ssh-rsa|ecdsa-sha2-\S+) \S+/.test(
      need(c.sshPublicKey, '--azure-ssh-public-key', 'an SSH public key'),
    )
  ) {
    throw new InputError('expected an OpenSSH public key (ssh-ed25519 AAAA… or ssh-rsa AAAA…)', {
      field: '--azure-ssh-public-key',
    });
  }
  for (const z of c.zones ?? []) {
    if (!/^[1-9]$/.test(z))
      throw new InputError(`expected zones such as 1,2,3, got "${z}"`, { field: '--azure-zones' });
  }
  need(c.clusterEndpoint, '--azure-cluster-endpoint', "the cluster's API server");
  need(c.clusterCertificateAuthority, '--azure-cluster-ca', "the cluster's CA bundle");
  return c;
}
