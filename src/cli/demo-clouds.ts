import type { KubeConfig } from '@kubernetes/client-node';
import type { Cloud, PricingAdapter, ProviderSetup } from '../model/index.ts';

/**
 * The clouds `berth demo --provider <cloud>` can run against in the sandbox:
 * each starts its local stand-ins (an emulator or a local API server, and a
 * registrar for the kubelets) and hands back the provider setup that buys
 * from them. A new cloud is one entry here.
 */
export interface DemoCloud {
  cloud: Cloud;
  region: string;
  provider: ProviderSetup;
  /** Live prices from the stand-in's price API, when it has one. */
  livePrices?: PricingAdapter;
  /** Where the machines come from, for the demo's first lines. */
  machines: string;
  stop(): Promise<void>;
}

export type StartDemoCloud = (kubeConfig: KubeConfig, cluster: string) => Promise<DemoCloud>;

async function startAwsDemo(kubeConfig: KubeConfig, cluster: string): Promise<DemoCloud> {
  const [{ startMotoServer }, { EMULATOR_CREDENTIALS, startAwsSimulation }, { awsProviderSetup }] =
    await Promise.all([
      import('../../providers/aws/moto-server.ts'),
      import('../../providers/aws/simulation.ts'),
      import('../../providers/aws/setup.ts'),
    ]);
  // The emulator accepts any credentials; the SDK's default chain still wants some.
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  const moto = await startMotoServer();
  try {
    const sim = await startAwsSimulation({ kubeConfig, endpoint: moto.endpoint, cluster });
    return {
      cloud: 'aws',
      region: sim.config.region,
      provider: awsProviderSetup(sim.config),
      machines: `EC2 through the AWS SDK, served by moto at ${moto.endpoint}`,
      async stop() {
        await sim.stop();
        await moto.stop();
      },
    };
  } catch (err) {
    await moto.stop();
    throw err;
  }
}

async function startGcpDemo(kubeConfig: KubeConfig, cluster: string): Promise<DemoCloud> {
  const [{ startGcpSimulation }, { gcpProviderSetup }, { createGcpPricingAdapter }] = await Promise.all([
    import('../../providers/gcp/simulation.ts'),
    import('../../providers/gcp/setup.ts'),
    import('../../pricing/gcp/adapter.ts'),
  ]);
  const sim = await startGcpSimulation({ kubeConfig, cluster });
  const { project, region, endpoint, apiKey } = sim.config;
  return {
    cloud: 'gcp',
    region,
    provider: gcpProviderSetup(sim.config),
    // The project sells only what the local server knows: price from it, not the embedded catalog.
    livePrices: createGcpPricingAdapter({
      project,
      region,
      ...(endpoint ? { computeEndpoint: endpoint, billingEndpoint: endpoint } : {}),
      ...(apiKey ? { apiKey } : {}),
      onWarning: () => {},
    }),
    machines: `Compute Engine through the Google SDK, served by a local Compute Engine API server at ${sim.server.endpoint}`,
    stop: () => sim.stop(),
  };
}

async function startAzureDemo(kubeConfig: KubeConfig, cluster: string): Promise<DemoCloud> {
  const [{ loadCatalog }, { startAzureSimulation, armSkusOf }, { azureProviderSetup }] = await Promise.all([
    import('../../pricing/catalog/load.ts'),
    import('../../providers/azure/simulation.ts'),
    import('../../providers/azure/setup.ts'),
  ]);
  const location = 'eastus';
  // The stand-in sells every size the embedded catalog prices there, so whatever the demo picks exists.
  const offerings = loadCatalog({ clouds: ['azure'], regions: [location], onWarning: () => {} }).offerings;
  const server = kubeConfig.getCurrentCluster();
  const sim = await startAzureSimulation({
    kubeConfig,
    cluster,
    location,
    skus: armSkusOf(offerings),
    zones: ['1', '2', '3'],
    clusterEndpoint: server?.server ?? 'https://127.0.0.1:6443',
    clusterCa: server?.caData ?? '',
  });
  return {
    cloud: 'azure',
    region: location,
    provider: azureProviderSetup(sim.config, {
      credential: sim.credential,
      queueCredential: sim.queueCredential,
      pollIntervalMs: 100,
    }),
    machines: `Azure VMs through the Azure SDK, served by a local Resource Manager stand-in at ${sim.arm.endpoint}`,
    stop: () => sim.stop(),
  };
}

export const DEMO_CLOUDS: Readonly<Record<string, StartDemoCloud>> = {
  aws: startAwsDemo,
  gcp: startGcpDemo,
  azure: startAzureDemo,
};
