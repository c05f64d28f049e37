/**
 * The Helm chart's text against the code: every variable it sets is one
 * `berth run` reads, and every `--aws-*` flag has a value. The rendered chart
 * is checked by helm and a real API server in test/integration/helm-chart.test.ts.
 */
import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { addAwsFlags } from '../../../src/cli/aws-flags.ts';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');
const templates = ['deployment.yaml', '_helpers.tpl']
  .map((f) => read(`deploy/helm/berth/templates/${f}`))
  .join('\n');

/** The variable each `--aws-*` flag reads, from its help text. */
function awsFlagVariables(): string[] {
  return addAwsFlags(new Command('run')).options.map((o) => {
    const name = o.envVar ?? /\(\$(BERTH_[A-Z_]+)\)/.exec(o.description)?.[1];
    if (!name) throw new Error(`${o.long} names no environment variable`);
    return name;
  });
}

describe('deploy/helm/berth', () => {
  it('sets only environment variables that berth run reads', () => {
    const names = [...templates.matchAll(/(?:name: |")(BERTH_[A-Z_]+)/g)].map((m) => m[1] ?? '');
    expect(names.length).toBeGreaterThan(20);
    const sources = [
      read('src/cli/run.ts'),
      read('src/cli/aws-flags.ts'),
      read('src/cli/ledger-flag.ts'),
      read('src/runtime/runtime.ts'),
    ].join('\n');
    // Read as env('BERTH_X', ...), Option.env('BERTH_X'), a ($BERTH_X) table entry or process.env.BERTH_X.
    for (const name of new Set(names)) expect(sources, name).toMatch(new RegExp(`['.]${name}\\b`));
  });

  it('has a value for every --aws-* flag, live prices and price multipliers', () => {
    const vars = awsFlagVariables();
    expect(vars.length).toBeGreaterThanOrEqual(12);
    for (const v of [...vars, 'BERTH_LIVE_PRICES', 'BERTH_PRICE_REFRESH', 'BERTH_PRICE_MULTIPLIERS']) {
      expect(templates, v).toContain(`${v}`);
    }
    const values = parse(read('deploy/helm/berth/values.yaml')) as {
      aws: Record<string, unknown>;
      controller: Record<string, unknown>;
      serviceAccount: Record<string, unknown>;
    };
    // One aws.* value per flag: --aws-cluster-ca is aws.clusterCA, --aws-ami is aws.ami.
    const keys = Object.keys(values.aws).map((k) => k.toLowerCase());
    for (const v of vars) {
      const key = v.replace('BERTH_AWS_', '').replaceAll('_', '').toLowerCase();
      expect(keys, v).toContain(key);
    }
    expect(values.controller).toHaveProperty('livePrices', false);
    expect(values.controller).toHaveProperty('priceMultipliers');
    expect(values.serviceAccount).toHaveProperty('annotations');
  });

  it('does not default to the simulated provider, which would register fake Nodes', () => {
    const values = parse(read('deploy/helm/berth/values.yaml')) as { controller: { provider: string } };
    expect(values.controller.provider).toBe('aws');
  });
});
