import { InputError } from '../../src/model/index.ts';

/**
 * How the GCP provider launches Compute Engine VMs that join a GKE cluster.
 * Built from `berth run --provider gcp --gcp-*`; checked field by field by
 * `validateGcpConfig` before any call to Google.
 */
export interface GcpProviderConfig {
  project: string;
  /** The region whose offerings are bought, e.g. `us-central1`. */
  region: string;
  /** Zones a regional offering may launch in, tried in this order. */
  zones: readonly string[];
  /** The GKE cluster the VMs join; also the value of their `berth-cluster` label. */
  clusterName: string;
  /** The instance template of one of the cluster's node pools: bootstrap metadata, image, disks, network, service account. */
  nodePoolTemplate: string;
  /** A subnetwork to use instead of the template's, e.g. `regions/us-central1/subnetworks/nodes`. */
  subnetwork?: string;
  /** Compute Engine API endpoint override (a local server in tests). */
  endpoint?: string;
  /** An API key instead of Application Default Credentials (the local server in tests). */
  apiKey?: string;
  /** How long to wait for a zone operation (an insert) before giving up on it; default 120 s. */
  operationTimeoutMs?: number;
  /** Between reads of preemption operations; default 5 s. */
  preemptionPollMs?: number;
}

const where = (field: string) => ({ object: 'GCP provider config', field });
const REGION = /^[a-z]+-[a-z]+\d+$/;
/** RFC 1035 names, as Compute Engine requires of instances and templates. */
const NAME = /^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/;

export function validateGcpConfig(c: GcpProviderConfig): GcpProviderConfig {
  if (!/^[a-z][-a-z0-9]{4,28}[a-z0-9]$/.test(c.project))
    throw new InputError(
      `expected a project id such as my-project-123, got ${JSON.stringify(c.project)}`,
      where('project'),
    );
  if (!REGION.test(c.region))
    throw new InputError(
      `expected a region such as us-central1, got ${JSON.stringify(c.region)}`,
      where('region'),
    );
  if (c.zones.length === 0)
    throw new InputError(`expected at least one zone of ${c.region}, e.g. ${c.region}-a`, where('zones'));
  for (const z of c.zones) {
    if (!new RegExp(`^${c.region}-[a-z]$`).test(z))
      throw new InputError(`zone ${JSON.stringify(z)} is not a zone of region ${c.region}`, where('zones'));
  }
  if (!NAME.test(c.clusterName))
    throw new InputError(
      `expected a GKE cluster name, got ${JSON.stringify(c.clusterName)}`,
      where('clusterName'),
    );
  if (!NAME.test(c.nodePoolTemplate))
    throw new InputError(
      `expected the name of a node pool's instance template (gcloud compute instance-templates list), got ${JSON.stringify(c.nodePoolTemplate)}`,
      where('nodePoolTemplate'),
    );
  if (c.endpoint !== undefined && !/^https?:\/\/[^/]+/.test(c.endpoint))
    throw new InputError(`expected an http(s) URL, got ${JSON.stringify(c.endpoint)}`, where('endpoint'));
  return c;
}
