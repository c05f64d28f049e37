/**
 * With Fargate configured, the AWS provider keeps one Fargate profile for the
 * installation, through the real EKS SDK against moto: created once, found
 * again after that, selecting exactly the labels the webhook puts on the
 * pods it sends to Fargate.
 */
import { CreateClusterCommand, DescribeFargateProfileCommand, EKSClient } from '@aws-sdk/client-eks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverlessRoutes } from '../../src/admission/serverless-routes.ts';
import { fargateProfileName } from '../../providers/aws/fargate-profile.ts';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import { awsReach, createAwsProvider } from '../../providers/aws/provider.ts';
import {
  createSimulatedAccount,
  EMULATOR_CREDENTIALS,
  type SimulatedAccount,
} from '../../providers/aws/simulation.ts';
import { testOffering } from '../fixtures/offering.ts';

const CLUSTER = 'fargate-test';
const ROLE = 'arn:aws:iam::123456789012:role/fargate-pods';
let moto: MotoServer;
let account: SimulatedAccount;
let eks: EKSClient;

beforeAll(async () => {
  moto = await startMotoServer();
  account = await createSimulatedAccount({
    endpoint: moto.endpoint,
    cluster: CLUSTER,
    clusterEndpoint: 'https://cluster.example:6443',
    clusterCertificateAuthority: Buffer.from('CA').toString('base64'),
  });
  eks = new EKSClient({
    region: account.config.region,
    endpoint: moto.endpoint,
    credentials: EMULATOR_CREDENTIALS,
  });
  await eks.send(
    new CreateClusterCommand({
      name: CLUSTER,
      roleArn: 'arn:aws:iam::123456789012:role/eks',
      resourcesVpcConfig: { subnetIds: Object.values(account.config.subnets) },
    }),
  );
});

afterAll(async () => {
  eks?.destroy();
  account?.ec2.destroy();
  account?.sqs.destroy();
  await moto?.stop();
});

describe('the Fargate profile berth keeps', () => {
  it('is created once, with a wildcard namespace and the labels the webhook sets', async () => {
    const config = { ...account.config, fargate: { podExecutionRoleArn: ROLE } };
    const provider = createAwsProvider(config, {
      installation: 'berth-f',
      credentials: EMULATOR_CREDENTIALS,
    });
    try {
      await provider.prepare();
      await provider.prepare(); // found, not created again
    } finally {
      await provider.close();
    }
    const { fargateProfile } = await eks.send(
      new DescribeFargateProfileCommand({
        clusterName: CLUSTER,
        fargateProfileName: fargateProfileName('berth-f'),
      }),
    );
    expect(fargateProfile?.podExecutionRoleArn).toBe(ROLE);
    expect(fargateProfile?.subnets?.sort()).toEqual(Object.values(account.config.subnets).sort());
    const route = serverlessRoutes('berth-f', ['fargate']).fargate?.({
      offering: testOffering(),
      pricePerHour: 0,
      effectivePricePerHour: 0,
    });
    expect(fargateProfile?.selectors).toEqual([{ namespace: '*', labels: route?.labels }]);
  });

  it('Fargate is in the provider`s reach only when configured', () => {
    expect(awsReach(account.config).serverless).toEqual([]);
    const reach = awsReach({ ...account.config, fargate: { podExecutionRoleArn: ROLE } });
    expect(reach.serverless).toEqual(['fargate']);
    expect(reach.capacityTypes).toContain('serverless');
  });

  it('an unknown cluster is an error naming the cluster and the flag', async () => {
    const provider = createAwsProvider(
      { ...account.config, clusterName: 'nope', fargate: { podExecutionRoleArn: ROLE } },
      { credentials: EMULATOR_CREDENTIALS },
    );
    try {
      await expect(provider.prepare()).rejects.toThrow(
        '--aws-cluster-name: there is no EKS cluster nope to keep the Fargate profile berth-berth in',
      );
    } finally {
      await provider.close();
    }
  });
});
