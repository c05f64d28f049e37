import { type Command, Option } from 'commander';
import { GCP_SPOT_BANDS } from '../../pricing/gcp/offerings.ts';
import type { GcpProviderConfig } from '../../providers/gcp/config.ts';
import { InputError, type Interruption } from '../model/index.ts';

/** The `berth run` / `berth quote` flags of the GCP provider and prices (each also read from its $BERTH_GCP_… variable). */
export interface GcpFlags {
  gcpProject?: string;
  gcpRegion?: string;
  gcpZones?: string;
  gcpCluster?: string;
  gcpNodePoolTemplate?: string;
  gcpSubnetwork?: string;
  gcpEndpoint?: string;
  gcpBillingEndpoint?: string;
  gcpApiKey?: string;
  gcpSpotBand?: string;
  gcpLaunchBatchWindow?: string;
}

const FLAGS: [spelling: string, env: string, help: string][] = [
  [
    '--gcp-project <id>',
    'BERTH_GCP_PROJECT',
    'project the VMs are bought in (and whose machine types are priced)',
  ],
  ['--gcp-region <region>', 'BERTH_GCP_REGION', 'region to launch in (default: --region)'],
  [
    '--gcp-zones <zone,...>',
    'BERTH_GCP_ZONES',
    'zones a regional offering may launch in, tried in order (default: <region>-a,-b,-c)',
  ],
  ['--gcp-cluster <name>', 'BERTH_GCP_CLUSTER', 'GKE cluster the VMs join'],
  [
    '--gcp-node-pool-template <name>',
    'BERTH_GCP_NODE_POOL_TEMPLATE',
    "instance template of one of the cluster's node pools: the VMs copy its bootstrap metadata, image, disks, network and service account",
  ],
  [
    '--gcp-subnetwork <path>',
    'BERTH_GCP_SUBNETWORK',
    "subnetwork instead of the template's, e.g. regions/us-central1/subnetworks/nodes",
  ],
  ['--gcp-endpoint <url>', 'BERTH_GCP_ENDPOINT', 'Compute Engine API endpoint override (a local server)'],
  [
    '--gcp-billing-endpoint <url>',
    'BERTH_GCP_BILLING_ENDPOINT',
    'Cloud Billing API endpoint override (a local server)',
  ],
  [
    '--gcp-api-key <key>',
    'BERTH_GCP_API_KEY',
    'an API key instead of Application Default Credentials (a local server)',
  ],
  [
    '--gcp-spot-band <0-4>',
    'BERTH_GCP_SPOT_BAND',
    'interruption band assumed for GCP spot (Google publishes none): 0 <5%, 1 5-10%, 2 10-15% (default), 3 15-20%, 4 >20%',
  ],
  [
    '--gcp-launch-batch-window <ms>',
    'BERTH_GCP_LAUNCH_BATCH_WINDOW',
    'launches of one launch specification within this window go out as one bulkInsert (default 100; 0 inserts each VM on its own)',
  ],
];

export function addGcpFlags(command: Command): Command {
  for (const [spelling, env, help] of FLAGS) command.addOption(new Option(spelling, `gcp: ${help}`).env(env));
  return command;
}

export function parseSpotBand(value: string | undefined): Interruption | undefined {
  if (value === undefined) return undefined;
  const band = GCP_SPOT_BANDS[Number(value)];
  if (!/^[0-4]$/.test(value) || !band)
    throw new InputError(`expected 0 to 4, got "${value}"`, { field: '--gcp-spot-band' });
  return band;
}

/** The price adapter's options from the flags: the project whose machine types are listed, endpoints, key, spot band. */
export function gcpPricingFromFlags(flags: GcpFlags) {
  if (!flags.gcpProject)
    throw new InputError('live GCP prices list the machine types of a project: name it', {
      field: '--gcp-project',
    });
  const spotBand = parseSpotBand(flags.gcpSpotBand);
  return {
    project: flags.gcpProject,
    ...(spotBand ? { spotBand } : {}),
    ...(flags.gcpEndpoint ? { computeEndpoint: flags.gcpEndpoint } : {}),
    ...(flags.gcpBillingEndpoint ? { billingEndpoint: flags.gcpBillingEndpoint } : {}),
    ...(flags.gcpApiKey ? { apiKey: flags.gcpApiKey } : {}),
  };
}

/** The provider's batching from --gcp-launch-batch-window: 0 turns it off. */
export function gcpBatchingFromFlags(flags: GcpFlags): { windowMs: number } | false | undefined {
  const value = flags.gcpLaunchBatchWindow;
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) > 60_000)
    throw new InputError(`expected milliseconds from 0 to 60000, got "${value}"`, {
      field: '--gcp-launch-batch-window',
    });
  return Number(value) === 0 ? false : { windowMs: Number(value) };
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** The GCP provider config from the flags. Field checks are the provider's validateGcpConfig. */
export function gcpConfigFromFlags(flags: GcpFlags, defaults: { region: string }): GcpProviderConfig {
  const project = flags.gcpProject;
  if (!project) throw new InputError('the gcp provider needs the project', { field: '--gcp-project' });
  const clusterName = flags.gcpCluster;
  if (!clusterName)
    throw new InputError('the gcp provider needs the GKE cluster name', { field: '--gcp-cluster' });
  const nodePoolTemplate = flags.gcpNodePoolTemplate;
  if (!nodePoolTemplate)
    throw new InputError(
      "the gcp provider needs a node pool's instance template (gcloud compute instance-templates list --filter=name~gke-<cluster>)",
      { field: '--gcp-node-pool-template' },
    );
  const region = flags.gcpRegion ?? defaults.region;
  const zones = list(flags.gcpZones);
  return {
    project,
    region,
    zones: zones.length > 0 ? zones : ['a', 'b', 'c'].map((z) => `${region}-${z}`),
    clusterName,
    nodePoolTemplate,
    ...(flags.gcpSubnetwork ? { subnetwork: flags.gcpSubnetwork } : {}),
    ...(flags.gcpEndpoint ? { endpoint: flags.gcpEndpoint } : {}),
    ...(flags.gcpApiKey ? { apiKey: flags.gcpApiKey } : {}),
  };
}
