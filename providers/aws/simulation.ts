import {
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateQueueCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Arch, AwsProviderConfig } from '../../src/model/index.ts';
import { ec2Client, sqsClient } from './clients.ts';
import { type Registrar, startRegistrar } from '../sandbox/registrar.ts';
import { ec2Machines } from './registrar.ts';

/**
 * An AWS account inside an emulator (moto), ready for berth: a VPC with a
 * subnet in each zone, a security group, AL2023 AMIs for both
 * architectures, an instance profile and an interruption queue, plus the
 * registrar standing in for the kubelets. For the tests and the demo; never
 * point it at AWS itself.
 */
export interface AwsSimulationOptions {
  kubeConfig: KubeConfig;
  /** The emulator's URL. */
  endpoint: string;
  /** The `berth.dev/cluster` tag value, and the EKS cluster name the machines "join". */
  cluster: string;
  region?: string;
  registrarIntervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface AwsSimulation {
  /** A provider config for this account, pointing at the emulator. */
  config: AwsProviderConfig;
  /** Credentials the emulator accepts (it checks none). */
  credentials: { accessKeyId: string; secretAccessKey: string };
  ec2: EC2Client;
  sqs: SQSClient;
  registrar: Registrar;
  stop(): Promise<void>;
}

export const EMULATOR_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const AMI_ARCH: Record<Arch, string> = { amd64: 'x86_64', arm64: 'arm64' };

/** Calls an AWS Query API the SDK clients we ship don't cover (IAM); the emulator reads the service from the scope. */
async function query(endpoint: string, region: string, service: string, params: Record<string, string>) {
  const res = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `AWS4-HMAC-SHA256 Credential=${EMULATOR_CREDENTIALS.accessKeyId}/20250101/${region}/${service}/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: new URLSearchParams(params),
  });
  const text = await res.text();
  if (!res.ok && !text.includes('EntityAlreadyExists')) {
    throw new Error(
      `${service} ${params.Action} failed in the emulator: ${res.status} ${text.slice(0, 300)}`,
    );
  }
}

async function newestAmi(ec2: EC2Client, arch: Arch): Promise<string> {
  const out = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [
        { Name: 'name', Values: ['al2023-ami-2023*'] },
        { Name: 'architecture', Values: [AMI_ARCH[arch]] },
      ],
    }),
  );
  const newest = (out.Images ?? []).sort((a, b) => (b.Name ?? '').localeCompare(a.Name ?? ''))[0];
  if (!newest?.ImageId) throw new Error(`the emulator has no AL2023 AMI for ${arch}`);
  return newest.ImageId;
}

export interface SimulatedAccountOptions {
  endpoint: string;
  cluster: string;
  region?: string;
  /** The API server the machines would join (the user data names it). */
  clusterEndpoint: string;
  clusterCertificateAuthority: string;
}

export interface SimulatedAccount {
  config: AwsProviderConfig;
  ec2: EC2Client;
  sqs: SQSClient;
}

/** Creates the network, images, instance profile and queue berth needs, and the provider config that uses them. */
export async function createSimulatedAccount(o: SimulatedAccountOptions): Promise<SimulatedAccount> {
  const region = o.region ?? 'us-east-1';
  const clientOptions = { region, endpoint: o.endpoint, credentials: EMULATOR_CREDENTIALS };
  const ec2 = ec2Client(clientOptions);
  const sqs = sqsClient(clientOptions);

  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }));
  const vpcId = vpc.Vpc?.VpcId;
  if (!vpcId) throw new Error('the emulator created no VPC');
  // A subnet in every zone, as a cluster spread over the region has, so any zonal offering can launch.
  const azs = await ec2.send(new DescribeAvailabilityZonesCommand({}));
  const zones = (azs.AvailabilityZones ?? []).flatMap((z) => (z.ZoneName ? [z.ZoneName] : [])).sort();
  if (zones.length === 0) throw new Error(`the emulator knows no zones in ${region}`);
  const subnets: Record<string, string> = {};
  for (const [n, zone] of zones.entries()) {
    const s = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: `10.42.${n}.0/24`, AvailabilityZone: zone }),
    );
    if (!s.Subnet?.SubnetId) throw new Error(`the emulator created no subnet in ${zone}`);
    subnets[zone] = s.Subnet.SubnetId;
  }
  const sg = await ec2.send(
    new CreateSecurityGroupCommand({
      GroupName: `${o.cluster}-nodes`,
      Description: 'berth nodes',
      VpcId: vpcId,
    }),
  );
  if (!sg.GroupId) throw new Error('the emulator created no security group');
  const profile = `${o.cluster}-node`;
  await query(o.endpoint, region, 'iam', {
    Action: 'CreateInstanceProfile',
    InstanceProfileName: profile,
    Version: '2010-05-08',
  });
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: `${o.cluster}-interruptions` }));
  if (!queue.QueueUrl) throw new Error('the emulator created no queue');
  return {
    config: {
      region,
      amiIds: { amd64: await newestAmi(ec2, 'amd64'), arm64: await newestAmi(ec2, 'arm64') },
      subnets,
      securityGroupIds: [sg.GroupId],
      instanceProfile: profile,
      clusterName: o.cluster,
      clusterEndpoint: o.clusterEndpoint,
      clusterCertificateAuthority: o.clusterCertificateAuthority,
      endpoint: o.endpoint,
      interruptionQueueUrl: queue.QueueUrl,
    },
    ec2,
    sqs,
  };
}

/** The account, with the cluster's API server in the user data and the registrar running against it. */
export async function startAwsSimulation(o: AwsSimulationOptions): Promise<AwsSimulation> {
  const kube = o.kubeConfig.getCurrentCluster();
  if (!kube?.server) throw new Error('the kubeconfig has no current cluster');
  const account = await createSimulatedAccount({
    endpoint: o.endpoint,
    cluster: o.cluster,
    ...(o.region ? { region: o.region } : {}),
    clusterEndpoint: kube.server,
    clusterCertificateAuthority: kube.caData ?? Buffer.from('no CA in the kubeconfig').toString('base64'),
  });
  const registrar = startRegistrar({
    kubeConfig: o.kubeConfig,
    machines: ec2Machines(account.ec2, o.cluster),
    ...(o.registrarIntervalMs !== undefined ? { intervalMs: o.registrarIntervalMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
  });
  return {
    ...account,
    credentials: EMULATOR_CREDENTIALS,
    registrar,
    async stop() {
      await registrar.stop();
      account.ec2.destroy();
      account.sqs.destroy();
    },
  };
}
