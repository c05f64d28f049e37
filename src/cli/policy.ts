import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadPreset, presetNames, presetText } from '../../policies/presets.ts';
import { policyDocument } from '../../policies/to-spec.ts';
import { KIND, parsePolicyDocuments } from '../../policies/validate.ts';
import { InputError } from '../model/index.ts';
import { readInput } from './manifests.ts';
import { formatTable, printJson } from './output.ts';

/** `berth policy`: check PlacementPolicy files and look at the built-in presets. */

/** The first sentence of a preset's comment header, after its `# <name>: `. */
function presetSummary(name: string): string {
  const header = presetText(name)
    .split('\n')
    .filter((l) => l.startsWith('#'))
    .map((l) => l.replace(/^#\s?/, ''))
    .join(' ')
    .replace(/^[^:]+:\s*/, '');
  const stop = header.search(/[.:](\s|$)/);
  return stop === -1 ? header : header.slice(0, stop);
}

function parseShowFormat(value: string): 'yaml' | 'json' {
  if (value === 'yaml' || value === 'json') return value;
  throw new InputError(`expected "yaml" or "json", got "${value}"`, { field: '--output' });
}

export function register(program: Command): void {
  const policy = program.command('policy').description('Validate PlacementPolicy files and show the presets');

  policy
    .command('validate')
    .description('Check PlacementPolicy documents; exits 1 and lists every problem when one is invalid')
    .requiredOption('-f, --filename <file>', 'YAML with one or more PlacementPolicy documents; - for stdin')
    .action((opts: { filename: string }) => {
      const { text, source } = readInput(opts.filename);
      for (const p of parsePolicyDocuments(text, source)) process.stdout.write(`${KIND}/${p.name}: valid\n`);
    });

  policy
    .command('list')
    .description('List the built-in presets')
    .action(() => {
      const rows = presetNames().map((name) => {
        const p = loadPreset(name);
        return [name, p.capacityTypes.join(','), p.clouds.join(','), presetSummary(name)];
      });
      process.stdout.write(`${formatTable(['NAME', 'CAPACITY TYPES', 'CLOUDS', 'FOR'], rows)}\n`);
    });

  policy
    .command('show')
    .description('Show a preset with every default spelled out')
    .argument('<name>', 'preset name (see berth policy list)')
    .option('-o, --output <format>', 'yaml or json', 'yaml')
    .action((name: string, opts: { output: string }) => {
      const format = parseShowFormat(opts.output);
      const doc = policyDocument(loadPreset(name));
      if (format === 'json') printJson(doc);
      else process.stdout.write(stringify(doc));
    });
}
