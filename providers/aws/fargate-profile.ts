import {
  CreateFargateProfileCommand,
  DescribeFargateProfileCommand,
  type EKSClient,
  type FargateProfile,
} from '@aws-sdk/client-eks';
import {
  type AwsProviderConfig,
  awsErrorCode,
  classifyAwsError,
  InputError,
  LABEL_CLUSTER,
  LABEL_PLATFORM,
} from '../../src/model/index.ts';

/** The profile berth keeps for an installation: one per installation, named after it. */
export function fargateProfileName(installation: string): string {
  return `berth-${installation}`;
}

/**
 * What selects the pods the webhook sends to Fargate: any namespace, the
 * platform label and the installation's (the same labels the webhook sets).
 */
export function fargateSelectors(
  installation: string,
): { namespace: string; labels: Record<string, string> }[] {
  return [{ namespace: '*', labels: { [LABEL_PLATFORM]: 'fargate', [LABEL_CLUSTER]: installation } }];
}

/**
 * Makes sure the installation's Fargate profile exists (created when it is
 * missing; one being created or deleted is reported as it is). Idempotent:
 * the client request token is the profile's name, so a retried create is one create.
 */
export async function ensureFargateProfile(
  eks: EKSClient,
  config: Pick<AwsProviderConfig, 'clusterName' | 'subnets' | 'fargate'>,
  installation: string,
): Promise<FargateProfile> {
  const fargate = config.fargate;
  if (!fargate) throw new Error('ensureFargateProfile called without a Fargate configuration');
  const name = fargateProfileName(installation);
  try {
    const found = await eks.send(
      new DescribeFargateProfileCommand({ clusterName: config.clusterName, fargateProfileName: name }),
    );
    if (found.fargateProfile) return found.fargateProfile;
  } catch (err) {
    if (awsErrorCode(err) !== 'ResourceNotFoundException')
      throw classifyAwsError(err, 'eks:DescribeFargateProfile');
  }
  try {
    const created = await eks.send(
      new CreateFargateProfileCommand({
        clusterName: config.clusterName,
        fargateProfileName: name,
        podExecutionRoleArn: fargate.podExecutionRoleArn,
        subnets: [...(fargate.subnets ?? Object.values(config.subnets))],
        selectors: fargateSelectors(installation),
        tags: { [LABEL_CLUSTER]: installation },
        clientRequestToken: name,
      }),
    );
    if (!created.fargateProfile) throw new Error(`CreateFargateProfile ${name} answered without a profile`);
    return created.fargateProfile;
  } catch (err) {
    // Another replica created it first.
    if (awsErrorCode(err) === 'ResourceInUseException') {
      const again = await eks.send(
        new DescribeFargateProfileCommand({ clusterName: config.clusterName, fargateProfileName: name }),
      );
      if (again.fargateProfile) return again.fargateProfile;
    }
    if (awsErrorCode(err) === 'ResourceNotFoundException') {
      throw new InputError(
        `there is no EKS cluster ${config.clusterName} to keep the Fargate profile ${name} in (eks:CreateFargateProfile)`,
        { field: '--aws-cluster-name' },
      );
    }
    throw classifyAwsError(err, 'eks:CreateFargateProfile');
  }
}
