import type { ProviderSetup } from '../../src/model/index.ts';
import { type AzureProviderConfig, validateAzureConfig } from './config.ts';
import {
  type AzureProvider,
  type AzureProviderOptions,
  azureReach,
  createAzureProvider,
} from './provider.ts';

/** The Azure provider as the runtime takes it: checked now, created when the runtime starts. */
export function azureProviderSetup(
  input: AzureProviderConfig,
  options: Omit<AzureProviderOptions, 'installation' | 'onWarning'> = {},
): ProviderSetup<AzureProvider> {
  const config = validateAzureConfig(input);
  return {
    name: 'azure',
    cloud: 'azure',
    region: config.location,
    reach: azureReach(config),
    create: (context) =>
      createAzureProvider(config, {
        ...options,
        installation: context.installation,
        onWarning: (message, fields) => context.onWarning(`azure provider: ${message}`, fields),
      }),
  };
}
