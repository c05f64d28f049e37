import type { KubeConfig } from '@kubernetes/client-node';
import type { Cloud, ProviderSetup } from '../model/index.ts';

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

export const DEMO_CLOUDS: Readonly<Record<string, StartDemoCloud>> = {
  aws: startAwsDemo,
};
