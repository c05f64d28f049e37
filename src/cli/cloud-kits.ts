import type { Command } from 'commander';
import { type Cloud, InputError } from '../model/index.ts';
import { awsKit } from './aws-kit.ts';
import type { CloudKit } from './cloud-kit.ts';

/** Every cloud berth can buy machines from and price live; one entry per cloud. */
export const CLOUD_KITS: readonly CloudKit[] = [awsKit];

/** `--provider` choices: the simulation and every cloud with a kit. */
export const PROVIDER_NAMES: readonly string[] = ['local', ...CLOUD_KITS.map((k) => k.cloud)];

export function kitFor(cloud: Cloud | string, field: string): CloudKit {
  const kit = CLOUD_KITS.find((k) => k.cloud === cloud);
  if (!kit) {
    throw new InputError(
      `berth has no provider or live prices for "${cloud}" yet (expected one of: ${CLOUD_KITS.map((k) => k.cloud).join(', ')})`,
      { field },
    );
  }
  return kit;
}

/** Adds every kit's provider flags to a command. */
export function addCloudFlags(command: Command): Command {
  for (const kit of CLOUD_KITS) kit.addFlags(command);
  return command;
}
