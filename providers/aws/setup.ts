import type { AwsProviderConfig, ProviderSetup } from '../../src/model/index.ts';
import { validateAwsConfig } from './config.ts';
import { type AwsProvider, type AwsProviderOptions, awsReach, createAwsProvider } from './provider.ts';

/** The AWS provider as the runtime takes it: checked now, created when the runtime starts. */
export function awsProviderSetup(
  input: AwsProviderConfig,
  options: Omit<AwsProviderOptions, 'installation' | 'onWarning'> = {},
): ProviderSetup<AwsProvider> {
  const config = validateAwsConfig(input);
  return {
    name: 'aws',
    cloud: 'aws',
    region: config.region,
    reach: awsReach(config),
    create: (context) =>
      createAwsProvider(config, {
        ...options,
        installation: context.installation,
        onWarning: (message, fields) => context.onWarning(`aws provider: ${message}`, fields),
      }),
  };
}
