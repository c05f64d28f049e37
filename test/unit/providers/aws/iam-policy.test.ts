import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Statement {
  Sid: string;
  Effect: string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

const root = join(import.meta.dirname, '../../../..');
const policy = JSON.parse(readFileSync(join(root, 'deploy/iam/berth-controller-policy.json'), 'utf8')) as {
  Version: string;
  Statement: Statement[];
};
const list = (v: string | string[]) => (Array.isArray(v) ? v : [v]);
const allows = (action: string) =>
  policy.Statement.filter((s) => s.Effect === 'Allow' && list(s.Action).includes(action));

const SERVICE: Record<string, string> = {
  '@aws-sdk/client-ec2': 'ec2',
  '@aws-sdk/client-sqs': 'sqs',
  '@aws-sdk/client-eks': 'eks',
  '@aws-sdk/client-pricing': 'pricing',
};

/** Every AWS action the controller's code calls: each `…Command` (or paginator) imported from an SDK client. */
function actionsCalledIn(dir: string, skip: readonly string[]): Set<string> {
  const actions = new Set<string>();
  for (const file of readdirSync(join(root, dir)).filter((f) => f.endsWith('.ts') && !skip.includes(f))) {
    const text = readFileSync(join(root, dir, file), 'utf8');
    for (const m of text.matchAll(/import\s*{([^}]*)}\s*from\s*'(@aws-sdk\/client-[a-z0-9]+)'/g)) {
      const service = SERVICE[m[2] ?? ''];
      if (!service) continue;
      for (const name of (m[1] ?? '').split(',').map((s) => s.replace(/^\s*type\s+/, '').trim())) {
        const command = /^([A-Z]\w+)Command$/.exec(name)?.[1] ?? /^paginate([A-Z]\w+)$/.exec(name)?.[1];
        if (command) actions.add(`${service}:${command}`);
      }
    }
  }
  return actions;
}

describe('deploy/iam/berth-controller-policy.json', () => {
  it('allows every AWS action the provider and the pricing adapter call', () => {
    // The registrar and the simulation stand in for kubelets and an account in tests; they never run in the controller.
    const called = new Set([
      ...actionsCalledIn('providers/aws', ['registrar.ts', 'simulation.ts', 'moto-server.ts']),
      ...actionsCalledIn('pricing/aws', []),
    ]);
    expect([...called]).toEqual(
      expect.arrayContaining([
        'ec2:RunInstances',
        'ec2:CreateFleet',
        'ec2:CreateLaunchTemplate',
        'ec2:CreateTags',
        'ec2:TerminateInstances',
        'sqs:ReceiveMessage',
      ]),
    );
    const missing = [...called].filter((a) => allows(a).length === 0);
    expect(missing).toEqual([]);
  });

  it('lets berth launch, tag and terminate only machines tagged for its cluster', () => {
    const tagged = allows('ec2:RunInstances').filter((s) =>
      list(s.Resource).some((r) => r.includes(':instance/')),
    );
    expect(tagged).toHaveLength(1);
    expect(tagged[0]?.Condition?.StringEquals?.['aws:RequestTag/berth.dev/cluster']).toBe('<CLUSTER_NAME>');
    // Tags are set while launching, or, on a batch machine (CreateFleet), on a machine already the cluster's.
    const tags = allows('ec2:CreateTags');
    expect(
      tags.every(
        (s) =>
          s.Condition?.StringEquals?.['ec2:CreateAction'] !== undefined ||
          s.Condition?.StringEquals?.['aws:ResourceTag/berth.dev/cluster'] === '<CLUSTER_NAME>',
      ),
    ).toBe(true);
    const terminate = allows('ec2:TerminateInstances');
    expect(terminate.every((s) => s.Condition?.StringEquals?.['aws:ResourceTag/berth.dev/cluster'])).toBe(
      true,
    );
    expect(allows('iam:PassRole')[0]?.Condition?.StringEquals?.['iam:PassedToService']).toBe(
      'ec2.amazonaws.com',
    );
  });

  it('grants nothing with a wildcard action', () => {
    expect(policy.Version).toBe('2012-10-17');
    for (const s of policy.Statement) for (const a of list(s.Action)) expect(a).not.toContain('*');
  });
});
