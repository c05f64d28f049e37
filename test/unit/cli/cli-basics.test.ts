import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiException } from '@kubernetes/client-node';
import { Command } from 'commander';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parseAllDocuments, YAMLParseError } from 'yaml';
import { describeUserError, reportError } from '../../../src/cli/output.ts';
import { InputError } from '../../../src/model/index.ts';
import { hasStack, runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every command of the CLI, registered as main.ts does. */
async function program(): Promise<Command> {
  const p = new Command('berth');
  for (const name of ['catalog', 'cluster', 'run', 'demo', 'policy', 'quote', 'report']) {
    (await import(`../../../src/cli/${name}.ts`)).register(p);
  }
  return p;
}

function leaves(c: Command, path: string[] = []): [string, Command][] {
  if (c.commands.length === 0) return [[path.join(' '), c]];
  return c.commands.flatMap((sub) => leaves(sub, [...path, sub.name()]));
}

describe('berth, the command line', () => {
  it('berth --version prints the version of package.json', async () => {
    const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'));
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(version);
    }
  }, 30_000);

  it('an unknown command is an error message, also one named like an object property', async () => {
    for (const name of ['nope', 'toString', 'constructor', '__proto__']) {
      const r = await runCli([name]);
      expect(r.code, name).toBe(1);
      expect(r.stderr).toContain(`error: unknown command '${name}'`);
      expect(r.stderr).not.toMatch(/TypeError/);
      expect(hasStack(r.stderr)).toBe(false);
    }
  }, 60_000);

  it('every command that prints data takes -o json', async () => {
    // What prints no data: the controller, the demo's narration, and stopping a cluster.
    const noData = new Set(['run', 'demo', 'cluster down']);
    const commands = leaves(await program()).filter(([name]) => !noData.has(name));
    expect(commands.map(([name]) => name).sort()).toEqual(
      [
        'catalog build',
        'catalog info',
        'catalog list',
        'cluster status',
        'cluster up',
        'policy list',
        'policy show',
        'policy validate',
        'quote',
        'report',
      ].sort(),
    );
    for (const [name, command] of commands) {
      const output = command.options.find((o) => o.long === '--output');
      expect(output?.short, name).toBe('-o');
      expect(output?.description, name).toMatch(/json/);
    }
  }, 30_000);

  it('and what it prints with -o json is JSON', async () => {
    const policy = join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'apiVersion: berth.dev/v1alpha1\nkind: PlacementPolicy\nmetadata: {name: p}\nspec: {}\n',
    );
    const pod = join(dir, 'pod.yaml');
    writeFileSync(
      pod,
      'apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: c\n    resources: {requests: {cpu: 500m, memory: 1Gi}}\n',
    );
    const cases: [string[], (v: unknown) => void][] = [
      [
        ['catalog', 'list', '--cloud', 'aws', '--region', 'us-east-1', '--instance-type', 'm7i.large'],
        (v) => expect(v).toHaveLength(2),
      ],
      [['catalog', 'info', '--cloud', 'aws'], (v) => expect(v).toHaveProperty('offerings')],
      [['policy', 'list'], (v) => expect(v).toContainEqual(expect.objectContaining({ name: 'default' }))],
      [['policy', 'show', 'default'], (v) => expect(v).toHaveProperty('kind', 'PlacementPolicy')],
      [
        ['policy', 'validate', '-f', policy],
        (v) => expect(v).toEqual([{ kind: 'PlacementPolicy', name: 'p', valid: true }]),
      ],
      [
        ['quote', '-f', pod, '--cloud', 'aws', '--region', 'us-east-1'],
        (v) => expect(JSON.stringify(v)).toContain('Pod/web'),
      ],
      [
        ['cluster', 'status', '--name', 'never-started'],
        (v) => expect(v).toEqual({ name: 'never-started', running: false }),
      ],
    ];
    for (const [args, check] of cases) {
      const r = await runCli([...args, '-o', 'json'], { env: { BERTH_STATE_DIR: dir } });
      expect(r.stderr, args.join(' ')).not.toMatch(/^error/m);
      check(JSON.parse(r.stdout));
    }
  }, 120_000);

  it('every berth run flag names its environment variable, and --help shows BERTH_LOG_LEVEL', async () => {
    const run = (await program()).commands.find((c) => c.name() === 'run')!;
    const flags = run.options.filter((o) => o.long !== '--help');
    expect(flags.length).toBeGreaterThan(25);
    for (const o of flags) expect(o.envVar, o.long).toMatch(/^BERTH_[A-Z_]+$/);
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    for (const o of flags) expect(r.stdout).toContain(`env: ${o.envVar}`);
    expect(r.stdout).toMatch(/BERTH_LOG_LEVEL\s+how much to log/);
  }, 30_000);
});

describe('reportError', () => {
  function captured(err: unknown, env: Record<string, string> = {}): { code: number; text: string } {
    const writes: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      writes.push(String(chunk));
      return true;
    });
    const saved = process.env.BERTH_DEBUG;
    if (env.BERTH_DEBUG) process.env.BERTH_DEBUG = env.BERTH_DEBUG;
    else delete process.env.BERTH_DEBUG;
    try {
      return { code: reportError(err), text: writes.join('') };
    } finally {
      spy.mockRestore();
      if (saved === undefined) delete process.env.BERTH_DEBUG;
      else process.env.BERTH_DEBUG = saved;
    }
  }

  const forbidden = new ApiException(
    403,
    'Forbidden',
    JSON.stringify({
      kind: 'Status',
      reason: 'Forbidden',
      message: 'nodes is forbidden: User "x" cannot list resource "nodes"',
    }),
    {},
  );
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
    code: 'ECONNREFUSED',
    address: '127.0.0.1',
    port: 1,
  });
  const fetchFailed = new TypeError('fetch failed', { cause: refused });
  const missingFile = Object.assign(new Error("ENOENT: no such file or directory, open '/x/y.json'"), {
    code: 'ENOENT',
    path: '/x/y.json',
  });
  const yamlError = parseAllDocuments('a: [')[0]?.errors[0];
  const taken = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8080'), {
    code: 'EADDRINUSE',
    syscall: 'listen',
    address: '127.0.0.1',
    port: 8080,
  });
  const awsDenied = Object.assign(new Error('You are not authorized to perform this operation.'), {
    name: 'UnauthorizedOperation',
    $metadata: { httpStatusCode: 403 },
  });

  it.each([
    [
      'an input error',
      new InputError('expected a number', { field: '--concurrency' }),
      'error: --concurrency: expected a number',
    ],
    [
      'a 403 from the API server',
      forbidden,
      'error: the Kubernetes API server refused (403 Forbidden): nodes is forbidden: User "x" cannot list resource "nodes"; grant that RBAC permission to the identity in the kubeconfig',
    ],
    [
      'a refused connection',
      refused,
      'error: cannot reach 127.0.0.1:1 (ECONNREFUSED); check the address and that it is running',
    ],
    [
      'a fetch that failed to connect',
      fetchFailed,
      'error: cannot reach 127.0.0.1:1 (ECONNREFUSED); check the address and that it is running',
    ],
    ['a missing file', missingFile, 'error: /x/y.json: no such file or directory'],
    ['malformed YAML', yamlError, 'error: malformed YAML: '],
    [
      'an address already taken',
      taken,
      'error: cannot listen on 127.0.0.1:8080 (EADDRINUSE: another process listens there); choose another address',
    ],
    [
      'an AWS service error',
      awsDenied,
      'error: AWS refused the request (UnauthorizedOperation, HTTP 403): You are not authorized to perform this operation.',
    ],
  ])('%s is one sentence, exit 1, no stack', (_, err, says) => {
    expect(err).toBeDefined();
    const { code, text } = captured(err);
    expect(code).toBe(1);
    expect(text.startsWith(says)).toBe(true);
    expect(text.trim().split('\n')).toHaveLength(1);
    expect(hasStack(text)).toBe(false);
  });

  it('BERTH_DEBUG=1 adds the stack to a known error', () => {
    const { code, text } = captured(refused, { BERTH_DEBUG: '1' });
    expect(code).toBe(1);
    expect(hasStack(text)).toBe(true);
  });

  it('anything else is a bug: it keeps its stack and exits 2', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'x')");
    expect(describeUserError(bug)).toBeUndefined();
    const { code, text } = captured(bug);
    expect(code).toBe(2);
    expect(hasStack(text)).toBe(true);
    expect(text).toContain('this is a bug in berth');
    expect(yamlError).toBeInstanceOf(YAMLParseError);
  });
});
