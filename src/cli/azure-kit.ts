import type { CloudKit, CommandFlags } from './cloud-kit.ts';
import { validateAzureConfig } from '../../providers/azure/config.ts';
import { InputError } from '../model/index.ts';
import {
  addAzureFlags,
  type AzureFlags,
  parseEvictionRates,
  parseZones,
  valueOrFile,
} from './azure-flags.ts';

/** Flags of `berth run` and `berth quote` the Azure kit reads. */
interface AzureKitFlags extends AzureFlags {
  /** `berth quote --pricing-endpoint`: here, the Retail Prices API endpoint. */
  pricingEndpoint?: string;
}

const azureFlags = (flags: CommandFlags) => flags as AzureKitFlags;

function need(value: string | undefined, field: string, what: string): string {
  if (!value) throw new InputError(`the azure provider needs ${what}`, { field });
  return value;
}

/** Resource Manager access from the flags: the subscription, and the endpoint override with its CA. */
export function armOptions(f: AzureFlags) {
  const ca = valueOrFile(f.azureEndpointCa ? `@${f.azureEndpointCa}` : undefined, '--azure-endpoint-ca');
  return {
    subscriptionId: need(f.azureSubscription, '--azure-subscription', 'the subscription id'),
    ...(f.azureEndpoint ? { endpoint: f.azureEndpoint } : {}),
    ...(ca ? { endpointCa: ca } : {}),
  };
}

export const azureKit: CloudKit = {
  cloud: 'azure',
  summary: 'azure: VMs that join AKS, see --azure-*',
  liveSources: "azure: Retail Prices API and the subscription's resource SKUs (needs --azure-subscription)",
  addFlags: addAzureFlags,
  provider(flags, defaults) {
    const f = azureFlags(flags);
    const zones = parseZones(f.azureZones);
    // Checked now, field by field, before anything slow or anything in the cluster.
    const config = validateAzureConfig({
      ...armOptions(f),
      resourceGroup: need(
        f.azureResourceGroup,
        '--azure-resource-group',
        "the cluster's node resource group",
      ),
      location: defaults.region,
      clusterName: need(f.azureCluster, '--azure-cluster', 'the AKS cluster name'),
      subnetId: need(f.azureSubnet, '--azure-subnet', 'the node subnet'),
      image: need(f.azureImage, '--azure-image', 'the AKS node image'),
      ...(f.azureIdentity ? { identityId: f.azureIdentity } : {}),
      ...(zones ? { zones } : {}),
      clusterEndpoint: need(
        f.azureClusterEndpoint ?? defaults.kubeServer,
        '--azure-cluster-endpoint',
        'the API server',
      ),
      clusterCertificateAuthority: need(
        f.azureClusterCa ?? defaults.kubeCaData,
        '--azure-cluster-ca',
        'the CA bundle',
      ),
      bootstrapToken: need(f.azureBootstrapToken, '--azure-bootstrap-token', 'a bootstrap token'),
      sshPublicKey: need(
        valueOrFile(f.azureSshPublicKey, '--azure-ssh-public-key'),
        '--azure-ssh-public-key',
        'an SSH public key',
      ),
      ...(f.azureEvictionQueue ? { evictionQueueUrl: f.azureEvictionQueue } : {}),
    });
    return {
      region: defaults.region,
      async setup() {
        const { azureProviderSetup } = await import('../../providers/azure/setup.ts');
        return azureProviderSetup(config);
      },
    };
  },
  async reach(flags, region) {
    const { azureReach } = await import('../../providers/azure/provider.ts');
    return azureReach({ location: region, zones: parseZones(azureFlags(flags).azureZones) });
  },
  async pricing({ region, flags, multipliers, onWarning }) {
    const f = azureFlags(flags);
    const evictionRates = parseEvictionRates(f.azureEvictionRates);
    const [{ createAzurePricingAdapter }, { computeClient }] = await Promise.all([
      import('../../pricing/azure/adapter.ts'),
      import('../../providers/azure/clients.ts'),
    ]);
    return createAzurePricingAdapter({
      region,
      compute: computeClient(armOptions(f)),
      ...(f.pricingEndpoint ? { retailEndpoint: f.pricingEndpoint } : {}),
      ...(multipliers ? { multipliers } : {}),
      ...(evictionRates ? { evictionRates } : {}),
      ...(f.azureDefaultEvictionBand ? { defaultEvictionBand: f.azureDefaultEvictionBand } : {}),
      ...(onWarning ? { onWarning } : {}),
    });
  },
};
