import type { Command } from 'commander';
import type { Cloud, PriceMultipliers, PricingAdapter, ProviderSetup, Reach } from '../model/index.ts';

/**
 * Everything the commands need of one cloud, so `berth run`, `berth quote`
 * and the runtime never branch on which cloud it is: its flags, the provider
 * they configure, what that provider can reach, and its live price adapter.
 * A new cloud is one kit, listed in cloud-kits.ts.
 */

/** Parsed command-line flags, as commander hands them over; each kit reads its own. */
export type CommandFlags = Readonly<Record<string, unknown>>;

/** What the kubeconfig berth runs against says about the cluster the machines join. */
export interface ClusterDefaults {
  /** `--region`: the kit's own region flag, when given, wins. */
  region: string;
  kubeServer?: string;
  kubeCaData?: string;
}

export interface ConfiguredProvider {
  /** The region it launches in (the kit's region flag, else `--region`). */
  region: string;
  setup(): Promise<ProviderSetup>;
}

export interface CloudKit {
  /** Also the `--provider` value of its provider. */
  readonly cloud: Cloud;
  /** One line for `--provider`'s help, e.g. `EC2 machines that join EKS, see --aws-*`. */
  readonly summary: string;
  /** Where its live prices come from, for `--live-prices`' help. */
  readonly liveSources: string;
  /** Adds the kit's provider flags to a command. */
  addFlags(command: Command): Command;
  /**
   * The provider `berth run` would start, from its flags: checked at once
   * (InputError naming the flag), loaded (the SDK) only by `setup`, so a
   * mistake is reported before anything slow or anything in the cluster.
   */
  provider(flags: CommandFlags, defaults: ClusterDefaults): ConfiguredProvider;
  /** What the provider could launch, from whatever flags are given (`berth quote` needs no full configuration). */
  reach(flags: CommandFlags, region: string): Promise<Reach>;
  /** The live price adapter for one region. Loaded on demand: cloud SDKs are heavy. */
  pricing(o: {
    region: string;
    flags: CommandFlags;
    multipliers?: PriceMultipliers;
    onWarning?: (message: string) => void;
  }): Promise<PricingAdapter>;
}
