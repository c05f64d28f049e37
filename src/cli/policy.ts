import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { loadPreset, presetNames, presetText } from '../../policies/presets.ts';
import { policyDocument } from '../../policies/to-spec.ts';
import { KIND, parsePolicyDocuments } from '../../policies/validate.ts';
import { InputError, type OnOffer, onOfferOf, type Policy } from '../model/index.ts';
import { parseClouds, splitList } from './catalog.ts';
import { readInput } from './manifests.ts';
import { formatTable, parseOutputFormat, printJson } from './output.ts';

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

/** What the embedded catalog sells in these clouds and regions, to judge policies against. */
function onOfferFor(opts: { cloud?: string; region?: string; catalogDir?: string }): OnOffer | undefined {
  if (opts.cloud === undefined && opts.region === undefined) return undefined;
  const clouds = parseClouds(opts.cloud);
  const regions = opts.region === undefined ? undefined : splitList(opts.region);
  const { offerings } = loadCatalog({
    ...(opts.catalogDir ? { dir: opts.catalogDir } : {}),
    ...(clouds ? { clouds } : {}),
    ...(regions ? { regions } : {}),
    onWarning: () => {},
  });
  if (offerings.length === 0) {
    throw new InputError(
      `the embedded catalog sells nothing in ${[opts.cloud, opts.region].filter(Boolean).join(' ')}; berth catalog info lists the clouds and regions`,
      { field: opts.region === undefined ? '--cloud' : '--region' },
    );
  }
  return onOfferOf(offerings);
}

/**
 * `berth policy validate`: every problem of every document, and with
 * `--cloud`/`--region` what nothing in the embedded catalog for that place
 * sells. Warnings go to `warn` even when the file has errors.
 */
export function validatePolicies(
  text: string,
  source: string,
  opts: { cloud?: string; region?: string; catalogDir?: string },
  warn: (line: string) => void,
): Policy[] {
  const onOffer = onOfferFor(opts);
  return parsePolicyDocuments(text, source, {
    ...(onOffer ? { onOffer } : {}),
    onWarning: (line) => warn(`warning: ${line}`),
  });
}

export function register(program: Command): void {
  const policy = program.command('policy').description('Validate PlacementPolicy files and show the presets');

  policy
    .command('validate')
    .description('Check PlacementPolicy documents; exits 1 and lists every problem when one is invalid')
    .requiredOption('-f, --filename <file>', 'YAML with one or more PlacementPolicy documents; - for stdin')
    .option(
      '--cloud <clouds>',
      'also check the policies against what the embedded catalog sells in these clouds',
    )
    .option(
      '--region <regions>',
      'also check the policies against what the embedded catalog sells in these regions',
    )
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { filename: string; cloud?: string; region?: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      const { text, source } = readInput(opts.filename);
      const policies = validatePolicies(text, source, opts, (line) => process.stderr.write(`${line}\n`));
      if (format === 'json') printJson(policies.map((p) => ({ kind: KIND, name: p.name, valid: true })));
      else for (const p of policies) process.stdout.write(`${KIND}/${p.name}: valid\n`);
    });

  policy
    .command('list')
    .description('List the built-in presets')
    .option('-o, --output <format>', 'table or json', 'table')
    .action((opts: { output: string }) => {
      const format = parseOutputFormat(opts.output);
      if (format === 'json') {
        printJson(
          presetNames().map((name) => {
            const p = loadPreset(name);
            return { name, capacityTypes: p.capacityTypes, clouds: p.clouds, summary: presetSummary(name) };
          }),
        );
        return;
      }
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
