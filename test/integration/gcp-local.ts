import { createGcpPricingAdapter } from '../../pricing/gcp/adapter.ts';
import { type ComputeServer, startComputeServer } from '../../providers/gcp/compute-server.ts';
import type { GcpProviderConfig } from '../../providers/gcp/config.ts';
import { nodePoolTemplate, SIM_MACHINE_TYPES, simulatedSkus } from '../../providers/gcp/simulation.ts';
import type { Offering } from '../../src/model/index.ts';

/** A local Compute Engine and Cloud Billing server with one GKE node pool template, and its live offerings. */
export interface LocalGcp {
  server: ComputeServer;
  offerings: Offering[];
  /** The provider's config for this server: the cluster, its template, two zones. */
  config: GcpProviderConfig;
}

export async function startLocalGcp(o: {
  project: string;
  cluster: string;
  region?: string;
  pageSize?: number;
  onWarning?: (message: string) => void;
}): Promise<LocalGcp> {
  const region = o.region ?? 'us-central1';
  const zones = [`${region}-a`, `${region}-b`];
  const template = `gke-${o.cluster}-default-pool`;
  const server = await startComputeServer({
    project: o.project,
    zones,
    machineTypes: SIM_MACHINE_TYPES,
    templates: { [template]: nodePoolTemplate(o.cluster, 'https://127.0.0.1:6443') },
    skus: simulatedSkus(region),
    ...(o.pageSize ? { pageSize: o.pageSize } : {}),
    provisionMs: 100,
  });
  const offerings = await createGcpPricingAdapter({
    project: o.project,
    region,
    computeEndpoint: server.endpoint,
    billingEndpoint: server.endpoint,
    apiKey: 'test',
    onWarning: o.onWarning ?? (() => {}),
  }).fetch(AbortSignal.timeout(30_000));
  return {
    server,
    offerings,
    config: {
      project: o.project,
      region,
      zones,
      clusterName: o.cluster,
      nodePoolTemplate: template,
      endpoint: server.endpoint,
      apiKey: 'test',
    },
  };
}
