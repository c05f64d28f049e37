import type { Cloud } from './offering.ts';
import type { Reach } from './reach.ts';
import type { NodeProvider } from './seams.ts';

/**
 * How the runtime gets machines from a cloud without knowing which: each
 * cloud's provider package offers a setup (from its own configuration) and
 * the runtime, `berth run` and the demo take it as it is.
 */

/** What the runtime hands a provider it creates. */
export interface ProviderContext {
  /** The berth installation that owns the machines (its scheduler name). */
  installation: string;
  /** Background trouble worth a line in the log. */
  onWarning(message: string, fields?: Record<string, unknown>): void;
}

/** A provider the runtime can stop: background pollers end, launches in flight are abandoned. */
export interface ClosableProvider extends NodeProvider {
  close(): Promise<void> | void;
  /** What the installation needs in the cloud before it launches anything (e.g. AWS's Fargate profile); fails the start. */
  prepare?(): Promise<void>;
}

/** One cloud's provider, configured and checked, not yet started. */
export interface ProviderSetup<P extends ClosableProvider = ClosableProvider> {
  /** `--provider` value it answers to, e.g. `aws`. */
  readonly name: string;
  readonly cloud: Cloud;
  /** The region it launches in: offerings are priced for this one. */
  readonly region: string;
  /** What it can launch; known before anything is created. */
  readonly reach: Reach;
  create(context: ProviderContext): P;
}
