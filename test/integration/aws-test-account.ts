import { DescribeInstancesCommand, type Instance as Ec2Instance } from '@aws-sdk/client-ec2';
import type { AwsProviderConfig } from '../../src/model/index.ts';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import { createSimulatedAccount, type SimulatedAccount } from '../../providers/aws/simulation.ts';
import { type FaultProxy, startFaultProxy } from './ec2-fault-proxy.ts';

/** A moto account for a provider test: the provider goes through the fault proxy, the test reads moto directly. */
export interface AwsTestAccount {
  moto: MotoServer;
  proxy: FaultProxy;
  account: SimulatedAccount;
  /** The account's provider config, with the proxy as its endpoint. */
  config: AwsProviderConfig;
  /** Instances matching the filters, read from moto. */
  instancesOf(filters: { Name: string; Values: string[] }[]): Promise<Ec2Instance[]>;
  stop(): Promise<void>;
}

export async function startAwsTestAccount(cluster: string): Promise<AwsTestAccount> {
  const moto = await startMotoServer();
  const proxy = await startFaultProxy(moto.endpoint);
  const account = await createSimulatedAccount({
    endpoint: moto.endpoint,
    cluster,
    clusterEndpoint: 'https://cluster.example:6443',
    clusterCertificateAuthority: Buffer.from('CA').toString('base64'),
  });
  return {
    moto,
    proxy,
    account,
    config: { ...account.config, endpoint: proxy.endpoint },
    async instancesOf(filters) {
      const out = await account.ec2.send(new DescribeInstancesCommand({ Filters: filters }));
      return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
    },
    async stop() {
      await proxy.close();
      account.ec2.destroy();
      account.sqs.destroy();
      await moto.stop();
    },
  };
}

/** An instance's tags as a record. */
export const tagsOf = (i: Ec2Instance | undefined) =>
  Object.fromEntries((i?.Tags ?? []).map((t) => [t.Key, t.Value]));
