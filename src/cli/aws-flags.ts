import { type Command, Option } from 'commander';
import type { Arch, AwsLaunchTemplateRef, AwsProviderConfig } from '../model/index.ts';
import { InputError } from '../model/index.ts';

/** The `berth run` flags that configure the AWS provider (each also read from its $BERTH_AWS_… variable). */
export interface AwsFlags {
  awsRegion?: string;
  awsSubnets?: string;
  awsSecurityGroups?: string;
  awsLaunchTemplate?: string;
  awsAmi?: string;
  awsInstanceProfile?: string;
  awsClusterName?: string;
  awsClusterEndpoint?: string;
  awsClusterCa?: string;
  awsServiceCidr?: string;
  awsEndpoint?: string;
  awsInterruptionQueue?: string;
  awsFargateRole?: string;
  awsFargateSubnets?: string;
  awsLaunchBatchWindow?: string;
}

const FLAGS: [flag: keyof AwsFlags, spelling: string, env: string, help: string][] = [
  ['awsRegion', '--aws-region <region>', 'BERTH_AWS_REGION', 'region to launch in (default: --region)'],
  ['awsSubnets', '--aws-subnets <zone=subnet,...>', 'BERTH_AWS_SUBNETS', 'one subnet per availability zone'],
  [
    'awsSecurityGroups',
    '--aws-security-groups <sg,...>',
    'BERTH_AWS_SECURITY_GROUPS',
    'security groups of the nodes',
  ],
  [
    'awsLaunchTemplate',
    '--aws-launch-template <lt-id|name[:version]>',
    'BERTH_AWS_LAUNCH_TEMPLATE',
    'launch template (version default $Default)',
  ],
  [
    'awsAmi',
    '--aws-ami <ami|arch=ami,...>',
    'BERTH_AWS_AMI',
    'AMI per architecture, e.g. amd64=ami-1,arm64=ami-2 (a bare id is amd64)',
  ],
  [
    'awsInstanceProfile',
    '--aws-instance-profile <name|arn>',
    'BERTH_AWS_INSTANCE_PROFILE',
    'instance profile the nodes run as',
  ],
  ['awsClusterName', '--aws-cluster-name <name>', 'BERTH_AWS_CLUSTER_NAME', 'EKS cluster the nodes join'],
  [
    'awsClusterEndpoint',
    '--aws-cluster-endpoint <url>',
    'BERTH_AWS_CLUSTER_ENDPOINT',
    "the cluster's API server (default: the kubeconfig's)",
  ],
  [
    'awsClusterCa',
    '--aws-cluster-ca <base64>',
    'BERTH_AWS_CLUSTER_CA',
    "the cluster's CA bundle, base64 (default: the kubeconfig's)",
  ],
  [
    'awsServiceCidr',
    '--aws-service-cidr <cidr>',
    'BERTH_AWS_SERVICE_CIDR',
    'service CIDR (default 10.100.0.0/16)',
  ],
  [
    'awsEndpoint',
    '--aws-endpoint <url>',
    'BERTH_AWS_ENDPOINT',
    'EC2/SQS endpoint override (an emulator such as moto)',
  ],
  [
    'awsInterruptionQueue',
    '--aws-interruption-queue <url>',
    'BERTH_AWS_INTERRUPTION_QUEUE',
    'SQS queue URL of EventBridge spot interruption events',
  ],
  [
    'awsFargateRole',
    '--aws-fargate-role <arn>',
    'BERTH_AWS_FARGATE_ROLE',
    'pod execution role for Fargate: set, Fargate is configured and berth keeps a Fargate profile for the installation',
  ],
  [
    'awsFargateSubnets',
    '--aws-fargate-subnets <ids>',
    'BERTH_AWS_FARGATE_SUBNETS',
    'comma-separated private subnets for Fargate pods (default: the --aws-subnets ones)',
  ],
  [
    'awsLaunchBatchWindow',
    '--aws-launch-batch-window <ms>',
    'BERTH_AWS_LAUNCH_BATCH_WINDOW',
    'launches of one specification within this many ms go out as one CreateFleet (default 100; 0 = one RunInstances per claim)',
  ],
];

/** Adds the `--aws-*` flags to a command. */
export function addAwsFlags(command: Command): Command {
  for (const [, spelling, env, help] of FLAGS)
    command.addOption(new Option(spelling, `aws provider: ${help}`).env(env));
  return command;
}

const list = (value: string | undefined) =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

/** `us-east-1a=subnet-1,us-east-1b=subnet-2` as a zone -> subnet map. */
export function parseSubnets(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of list(value)) {
    const [zone, subnet, extra] = pair.split('=');
    if (!zone || !subnet || extra !== undefined) {
      throw new InputError(`expected zone=subnet, got "${pair}"`, { field: '--aws-subnets' });
    }
    out[zone] = subnet;
  }
  return out;
}

/** `ami-1` (amd64) or `amd64=ami-1,arm64=ami-2`. */
export function parseAmis(value: string | undefined): Partial<Record<Arch, string>> | undefined {
  const pairs = list(value);
  if (pairs.length === 0) return undefined;
  const out: Partial<Record<Arch, string>> = {};
  for (const pair of pairs) {
    const [arch, ami] = pair.includes('=') ? pair.split('=') : ['amd64', pair];
    if ((arch !== 'amd64' && arch !== 'arm64') || !ami) {
      throw new InputError(`expected amd64=ami-… or arm64=ami-…, got "${pair}"`, { field: '--aws-ami' });
    }
    out[arch] = ami;
  }
  return out;
}

/** `lt-0abc`, `my-template`, either with `:version`. */
export function parseLaunchTemplate(value: string | undefined): AwsLaunchTemplateRef | undefined {
  if (!value) return undefined;
  const i = value.lastIndexOf(':');
  const ref = i > 0 ? value.slice(0, i) : value;
  const version = i > 0 ? value.slice(i + 1) : undefined;
  return {
    ...(ref.startsWith('lt-') ? { id: ref } : { name: ref }),
    ...(version ? { version } : {}),
  };
}

/**
 * The AWS provider config from the flags, with the cluster's endpoint and CA
 * defaulting to the kubeconfig's (the cluster berth runs against is the one
 * its nodes join). Field-level checks are the provider's validateAwsConfig.
 */
export function awsConfigFromFlags(
  flags: AwsFlags,
  defaults: { region: string; kubeServer?: string; kubeCaData?: string },
): AwsProviderConfig {
  const clusterName = flags.awsClusterName;
  if (!clusterName)
    throw new InputError('the aws provider needs the EKS cluster name', { field: '--aws-cluster-name' });
  const endpoint = flags.awsClusterEndpoint ?? defaults.kubeServer;
  if (!endpoint)
    throw new InputError('no API server in the kubeconfig; set it', { field: '--aws-cluster-endpoint' });
  const ca = flags.awsClusterCa ?? defaults.kubeCaData;
  if (!ca) throw new InputError('no CA data in the kubeconfig; set it', { field: '--aws-cluster-ca' });
  const launchTemplate = parseLaunchTemplate(flags.awsLaunchTemplate);
  const amiIds = parseAmis(flags.awsAmi);
  return {
    region: flags.awsRegion ?? defaults.region,
    ...(launchTemplate ? { launchTemplate } : {}),
    ...(amiIds ? { amiIds } : {}),
    subnets: parseSubnets(flags.awsSubnets),
    securityGroupIds: list(flags.awsSecurityGroups),
    ...(flags.awsInstanceProfile ? { instanceProfile: flags.awsInstanceProfile } : {}),
    clusterName,
    clusterEndpoint: endpoint,
    clusterCertificateAuthority: ca,
    ...(flags.awsServiceCidr ? { serviceCidr: flags.awsServiceCidr } : {}),
    ...(flags.awsEndpoint ? { endpoint: flags.awsEndpoint } : {}),
    ...(flags.awsInterruptionQueue ? { interruptionQueueUrl: flags.awsInterruptionQueue } : {}),
    ...(flags.awsFargateRole
      ? {
          fargate: {
            podExecutionRoleArn: flags.awsFargateRole,
            ...(flags.awsFargateSubnets ? { subnets: list(flags.awsFargateSubnets) } : {}),
          },
        }
      : {}),
  };
}

/** `--aws-launch-batch-window`: the provider's batching (absent: its default; 0: none). */
export function parseBatchWindow(value: string | undefined): { windowMs: number } | false | undefined {
  if (value === undefined) return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0 || ms > 10_000) {
    throw new InputError(`expected a whole number of milliseconds from 0 to 10000, got "${value}"`, {
      field: '--aws-launch-batch-window',
    });
  }
  return ms === 0 ? false : { windowMs: ms };
}
