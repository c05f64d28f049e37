import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasStack, runCli } from './run-cli.ts';

/** `berth run` given what cannot work, with no API server needed: each is one sentence and exit 1. */
const dir = mkdtempSync(join(tmpdir(), 'berth-run-input-'));
let closedPort: number;

const kubeconfig = (server: string) => `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "${server}", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: not-a-real-token}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
`;

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A loopback port nothing listens on: bound once to get it, then closed. */
async function closedLoopbackPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const run = (...args: string[]) =>
  runCli(['run', '--provider', 'local', '--metrics-address', '127.0.0.1:0', ...args], {
    env: { KUBECONFIG: undefined },
  });

function oneSentence(stderr: string): string {
  expect(hasStack(stderr)).toBe(false);
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  return lines[0] ?? '';
}

beforeAll(async () => {
  closedPort = await closedLoopbackPort();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('berth run with input that cannot work', () => {
  it('an unreachable API server: one sentence naming the server after a bounded wait, exit 1', async () => {
    const server = `https://127.0.0.1:${closedPort}`;
    const path = file('closed.kubeconfig', kubeconfig(server));
    const r = await run('--kubeconfig', path);
    expect(r.code).toBe(1);
    const line = oneSentence(r.stderr);
    expect(line).toContain(`cannot reach the Kubernetes API server ${server} (ECONNREFUSED, for 4 s)`);
    expect(line).toContain(`--kubeconfig (now ${path})`);
    // The bounded wait (4 s) plus starting node; never the elector's endless retries.
    expect(r.ms).toBeGreaterThanOrEqual(4_000);
    expect(r.ms).toBeLessThan(15_000);
  }, 30_000);

  it('the kubeconfig from $BERTH_KUBECONFIG is the one used (every run flag has its variable)', async () => {
    const path = file('from-env.kubeconfig', kubeconfig(`https://127.0.0.1:${closedPort}`));
    const r = await runCli(['run', '--provider', 'local', '--metrics-address', '127.0.0.1:0'], {
      env: { BERTH_KUBECONFIG: path, KUBECONFIG: undefined },
    });
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toContain(`--kubeconfig (now ${path})`);
  }, 30_000);

  it('without --provider it refuses to start rather than simulate machines in a real cluster', async () => {
    const path = file('no-provider.kubeconfig', kubeconfig(`https://127.0.0.1:${closedPort}`));
    const r = await runCli(['run', '--kubeconfig', path], { env: { BERTH_PROVIDER: undefined } });
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toContain(
      'error: --provider: say where machines come from: --provider aws',
    );
  }, 30_000);

  it('a missing kubeconfig names the file and --kubeconfig', async () => {
    const path = join(dir, 'nowhere.kubeconfig');
    const r = await run('--kubeconfig', path);
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toBe(
      `error: ${path}: no such kubeconfig file (from --kubeconfig); pass an existing one with --kubeconfig`,
    );
  });

  it('a missing file named by $KUBECONFIG says so, and names --kubeconfig', async () => {
    const path = join(dir, 'env-nowhere.kubeconfig');
    const r = await runCli(['run'], { env: { KUBECONFIG: path } });
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toContain(`${path}: no such kubeconfig file (from $KUBECONFIG)`);
  });

  it('a kubeconfig that is not YAML names the file and --kubeconfig', async () => {
    const path = file('broken.kubeconfig', 'apiVersion: v1\nclusters: [\n');
    const r = await run('--kubeconfig', path);
    expect(r.code).toBe(1);
    const line = oneSentence(r.stderr);
    expect(line).toContain(`${path}: not a valid kubeconfig (`);
    expect(line).toContain('pass another with --kubeconfig');
  });

  it('a kubeconfig with no current cluster names the file and --kubeconfig', async () => {
    const path = file('empty.kubeconfig', 'apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\n');
    const r = await run('--kubeconfig', path);
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toContain(
      `${path}: not a usable kubeconfig: no current context with a cluster`,
    );
  });

  it('a bad flag value is reported before the cluster is asked anything', async () => {
    const path = file('closed-too.kubeconfig', kubeconfig(`https://127.0.0.1:${closedPort}`));
    const r = await run('--kubeconfig', path, '--concurrency', 'x');
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toBe(
      'error: --concurrency: expected a whole number of at least 1, got "x"',
    );
  }, 30_000);

  it('--price-multipliers @file is read through the bounded reader: a missing or huge file is named', async () => {
    const path = file('closed-three.kubeconfig', kubeconfig(`https://127.0.0.1:${closedPort}`));
    const missing = join(dir, 'no-multipliers.json');
    const r1 = await run('--kubeconfig', path, '--price-multipliers', `@${missing}`);
    expect(r1.code).toBe(1);
    expect(oneSentence(r1.stderr)).toBe(`error: ${missing}: no such file`);
    const huge = file('huge-multipliers.json', `{"family":{${'"m7i":0.5,'.repeat(500_000)}"c7i":0.5}}`);
    const r2 = await run('--kubeconfig', path, '--price-multipliers', `@${huge}`);
    expect(r2.code).toBe(1);
    expect(oneSentence(r2.stderr)).toContain(`error: ${huge}: the input is larger than 4 MiB`);
  }, 30_000);

  it('a boolean variable holding neither true nor false is an error naming it', async () => {
    const r = await runCli(['run'], { env: { BERTH_LEADER_ELECT: 'maybe' } });
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toBe('error: $BERTH_LEADER_ELECT: expected true or false, got "maybe"');
  });
});

describe('berth quote --kubeconfig (DaemonSets from a cluster) with input that cannot work', () => {
  const pod = () =>
    file('pod.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c}]}\n');

  it('an unreachable API server is one sentence naming it', async () => {
    const server = `https://127.0.0.1:${closedPort}`;
    const path = file('quote-closed.kubeconfig', kubeconfig(server));
    const r = await runCli(['quote', '-f', pod(), '--kubeconfig', path]);
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toBe(
      `error: cannot reach ${server} (ECONNREFUSED); check the address and that it is running`,
    );
  }, 30_000);

  it('a malformed kubeconfig names the file and --kubeconfig', async () => {
    const path = file('quote-broken.kubeconfig', 'clusters: [\n');
    const r = await runCli(['quote', '-f', pod(), '--kubeconfig', path]);
    expect(r.code).toBe(1);
    expect(oneSentence(r.stderr)).toContain(`error: ${path}: not a valid kubeconfig (`);
  }, 30_000);
});
