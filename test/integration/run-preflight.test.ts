import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { AuthenticationV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { hasStack, runCli } from '../unit/cli/run-cli.ts';
import { freshNamespace, kubeConfig } from './helpers.ts';

/**
 * `berth run` against a real API server, when what a person gave it cannot
 * work: it must say so within seconds and exit, not retry silently forever.
 * Its own namespaces and scheduler name; no pod is ever created here.
 */
const SCHEDULER = 'berth-preflight';
const dir = mkdtempSync(join(tmpdir(), 'berth-preflight-'));
let admin: string;
let namespace: string;
let unprivileged: string;

/** A kubeconfig for a ServiceAccount that no RBAC rule grants anything. */
async function serviceAccountKubeconfig(kc: KubeConfig, ns: string): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  await core.createNamespacedServiceAccount({ namespace: ns, body: { metadata: { name: 'no-rights' } } });
  const token = await core.createNamespacedServiceAccountToken({
    name: 'no-rights',
    namespace: ns,
    body: { spec: { audiences: [], expirationSeconds: 3600 } },
  });
  const cluster = kc.getCurrentCluster()!;
  const out = new KubeConfig();
  out.loadFromOptions({
    clusters: [{ name: 'c', server: cluster.server, caData: cluster.caData, skipTLSVerify: false }],
    users: [{ name: 'no-rights', token: token.status?.token }],
    contexts: [{ name: 'x', cluster: 'c', user: 'no-rights' }],
    currentContext: 'x',
  });
  const file = join(dir, 'no-rights.kubeconfig');
  writeFileSync(file, out.exportConfig(), { mode: 0o600 });
  // The token works: the server knows who it is, it just grants it nothing.
  const review = await out
    .makeApiClient(AuthenticationV1Api)
    .createSelfSubjectReview({ body: {} })
    .catch(() => undefined);
  if (review) expect(review.status?.userInfo?.username).toBe(`system:serviceaccount:${ns}:no-rights`);
  return file;
}

const runArgs = (kubeconfig: string, ...more: string[]) => [
  'run',
  '--provider',
  'local',
  '--kubeconfig',
  kubeconfig,
  '--scheduler-name',
  SCHEDULER,
  '--metrics-address',
  '127.0.0.1:0',
  ...more,
];

beforeAll(async () => {
  admin = inject('kubeconfig');
  const kc = kubeConfig();
  namespace = await freshNamespace(kc.makeApiClient(CoreV1Api), 'berth-preflight');
  unprivileged = await serviceAccountKubeconfig(kc, namespace);
});

afterAll(async () => {
  await kubeConfig()
    .makeApiClient(CoreV1Api)
    .deleteNamespace({ name: namespace })
    .catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

describe('berth run checks what it was given before it starts', () => {
  it('a lease namespace that does not exist: it ends by itself saying what is wrong and the three ways out, exit 1', async () => {
    const missing = `berth-preflight-missing-${randomUUID().slice(0, 8)}`;
    // Leader election is on by default; only the namespace is changed, to one surely missing.
    const r = await runCli(runArgs(admin, '--lease-namespace', missing), { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    // It ends by itself: a controller left retrying the lease would be killed at the timeout.
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain(`the leader-election namespace "${missing}" does not exist`);
    expect(r.stderr).toContain(`kubectl create namespace ${missing}`);
    expect(r.stderr).toContain('--lease-namespace');
    expect(r.stderr).toContain('--no-leader-elect');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it('an identity that RBAC grants nothing on leases: one sentence naming the permission, exit 1', async () => {
    const r = await runCli(runArgs(unprivileged, '--lease-namespace', namespace), { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    // It ends by itself: a controller left retrying the lease would be killed at the timeout.
    expect(r.signal).toBeNull();
    expect(r.stderr).toContain(
      `refused to read the leader-election Lease ${namespace}/berth-controller (403 Forbidden`,
    );
    expect(r.stderr).toContain(`system:serviceaccount:${namespace}:no-rights`);
    expect(r.stderr).toContain(
      `get, create and update on leases (API group coordination.k8s.io) in namespace ${namespace}`,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it('without leader election, an identity that may not list berths: one sentence naming the permission', async () => {
    const r = await runCli(runArgs(unprivileged, '--no-leader-elect'), { timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('error: the API server refused to list berths.berth.dev (403 Forbidden: ');
    expect(r.stderr).toContain(`system:serviceaccount:${namespace}:no-rights`);
    expect(r.stderr).toContain('the ClusterRole of deploy/rbac.yaml');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(hasStack(r.stderr)).toBe(false);
  });

  it('a metrics address already taken: one sentence, exit 1, and nothing left running behind it', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const args = runArgs(admin, '--no-leader-elect', '--install-crds');
      args[args.indexOf('127.0.0.1:0')] = `127.0.0.1:${port}`;
      // Were the controller left running, the process would not exit and the run would time out.
      const r = await runCli(args, { timeoutMs: 60_000 });
      expect(r.signal).toBeNull();
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`error: cannot listen on 127.0.0.1:${port} (EADDRINUSE`);
      expect(hasStack(r.stderr)).toBe(false);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  }, 90_000);

  it('with a namespace that exists and the rights to use it, it passes the checks and runs until stopped', async () => {
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '../../bin/berth.js'),
        ...runArgs(admin, '--lease-namespace', namespace, '--install-crds'),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, BERTH_LOG_LEVEL: 'info' } },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const deadline = Date.now() + 40_000;
      while (!/controller started/.test(out) && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(out, out).toMatch(/berth running/);
      expect(out, out).toMatch(/became leader/);
      expect(out, out).toMatch(/controller started/);
    } finally {
      child.kill('SIGTERM');
      // Bounded: a controller that ignored SIGTERM is killed, and the test fails below.
      setTimeout(() => child.kill('SIGKILL'), 20_000).unref();
    }
    expect(await exited).toBe(0);
  }, 90_000);
});
