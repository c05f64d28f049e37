import {
  addAwsFlags,
  type AwsFlags,
  awsConfigFromFlags,
  parseAmis,
  parseBatchWindow,
  parseLaunchTemplate,
  parseSubnets,
} from './aws-flags.ts';
import type { CloudKit, CommandFlags } from './cloud-kit.ts';

/** Flags of `berth run` and `berth quote` that only the AWS kit reads. */
interface AwsKitFlags extends AwsFlags {
  /** `berth quote --pricing-endpoint`: the Price List API endpoint. */
  pricingEndpoint?: string;
}

const awsFlags = (flags: CommandFlags) => flags as AwsKitFlags;

export const awsKit: CloudKit = {
  cloud: 'aws',
  summary: 'aws: EC2 machines that join EKS, see --aws-*',
  liveSources: 'aws: Price List API and EC2 spot history',
  addFlags: addAwsFlags,
  provider(flags, defaults) {
    const config = awsConfigFromFlags(awsFlags(flags), defaults);
    const batching = parseBatchWindow(awsFlags(flags).awsLaunchBatchWindow);
    return {
      region: config.region,
      async setup() {
        const { awsProviderSetup } = await import('../../providers/aws/setup.ts');
        return awsProviderSetup(config, batching === undefined ? {} : { batching });
      },
    };
  },
  async reach(flags, region) {
    const f = awsFlags(flags);
    const { awsReach } = await import('../../providers/aws/provider.ts');
    const launchTemplate = parseLaunchTemplate(f.awsLaunchTemplate);
    const amiIds = parseAmis(f.awsAmi);
    return awsReach({
      region,
      subnets: parseSubnets(f.awsSubnets),
      ...(launchTemplate ? { launchTemplate } : {}),
      ...(amiIds ? { amiIds } : {}),
      // Quoted like run: Fargate is in reach only where berth keeps a Fargate profile.
      ...(f.awsFargateRole ? { fargate: { podExecutionRoleArn: f.awsFargateRole } } : {}),
    });
  },
  async pricing({ region, flags, multipliers, onWarning }) {
    const f = awsFlags(flags);
    const { createAwsPricingAdapter } = await import('../../pricing/aws/adapter.ts');
    return createAwsPricingAdapter({
      region,
      ...(multipliers ? { multipliers } : {}),
      ...(f.pricingEndpoint ? { pricingEndpoint: f.pricingEndpoint } : {}),
      ...(f.awsEndpoint ? { ec2Endpoint: f.awsEndpoint } : {}),
      ...(onWarning ? { onWarning } : {}),
    });
  },
};
