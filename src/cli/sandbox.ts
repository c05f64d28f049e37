/**
 * The sandbox commands (`cluster`, `demo`) build and run a local control plane
 * and stand-ins for the clouds. They run from a source checkout only: the
 * product build (dist/, the container image) leaves their code out, so they
 * are loaded by a computed path the compiler does not follow, and where the
 * file is missing the command says so instead of failing to load.
 */
import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { InputError } from '../model/index.ts';

export type SandboxCommand = 'cluster' | 'demo';

interface CommandModule {
  register(program: Command): void;
}

/** The command's own module from a source checkout; elsewhere a command that explains it is not in this build. */
export async function sandboxCommand(name: SandboxCommand): Promise<CommandModule> {
  const self = fileURLToPath(import.meta.url);
  const file = join(dirname(self), `${name}${extname(self)}`);
  if (existsSync(file)) return (await import(pathToFileURL(file).href)) as CommandModule;
  return { register: (program) => registerUnavailable(program, name) };
}

export function registerUnavailable(program: Command, name: SandboxCommand): void {
  program
    .command(name)
    .description('not in this build (the local sandbox runs from a source checkout only)')
    .helpOption(false)
    .allowUnknownOption()
    .allowExcessArguments()
    .action(() => {
      throw new InputError(
        'this command is part of the development sandbox, which the product build (the container image) leaves out; run it from a source checkout: npx berth ' +
          name,
        { field: `berth ${name}` },
      );
    });
}
