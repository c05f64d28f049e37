import type { ProviderSetup } from '../../src/model/index.ts';
import { type GcpProviderConfig, validateGcpConfig } from './config.ts';
import { createGcpProvider, type GcpProvider, type GcpProviderOptions, gcpReach } from './provider.ts';

/** The GCP provider as the runtime takes it: checked now, created when the runtime starts. */
export function gcpProviderSetup(
  input: GcpProviderConfig,
  options: Omit<GcpProviderOptions, 'installation' | 'onWarning'> = {},
): ProviderSetup<GcpProvider> {
  const config = validateGcpConfig(input);
  return {
    name: 'gcp',
    cloud: 'gcp',
    region: config.region,
    reach: gcpReach(config),
    create: (context) =>
      createGcpProvider(config, {
        ...options,
        installation: context.installation,
        onWarning: (message, fields) => context.onWarning(`gcp provider: ${message}`, fields),
      }),
  };
}
