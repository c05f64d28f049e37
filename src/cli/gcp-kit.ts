import type { CloudKit, CommandFlags } from './cloud-kit.ts';
import {
  addGcpFlags,
  type GcpFlags,
  gcpBatchingFromFlags,
  gcpConfigFromFlags,
  gcpPricingFromFlags,
} from './gcp-flags.ts';

const gcpFlags = (flags: CommandFlags) => flags as GcpFlags;

export const gcpKit: CloudKit = {
  cloud: 'gcp',
  summary: 'gcp: Compute Engine VMs that join GKE, see --gcp-*',
  liveSources: 'gcp: Cloud Billing Catalog and Compute Engine machine types, needs --gcp-project',
  addFlags: addGcpFlags,
  provider(flags, defaults) {
    const config = gcpConfigFromFlags(gcpFlags(flags), defaults);
    const batching = gcpBatchingFromFlags(gcpFlags(flags));
    return {
      region: config.region,
      async setup() {
        const { gcpProviderSetup } = await import('../../providers/gcp/setup.ts');
        return gcpProviderSetup(config, batching === undefined ? {} : { batching });
      },
    };
  },
  async reach(flags, region) {
    const f = gcpFlags(flags);
    const { gcpReach } = await import('../../providers/gcp/provider.ts');
    const zones = (f.gcpZones ?? '')
      .split(',')
      .map((z) => z.trim())
      .filter((z) => z !== '');
    return gcpReach({ region, zones });
  },
  async pricing({ region, flags, multipliers, onWarning }) {
    const options = gcpPricingFromFlags(gcpFlags(flags));
    const { createGcpPricingAdapter } = await import('../../pricing/gcp/adapter.ts');
    return createGcpPricingAdapter({
      region,
      ...options,
      ...(multipliers ? { multipliers } : {}),
      ...(onWarning ? { onWarning } : {}),
    });
  },
};
