/**
 * The Helm chart, checked by helm itself and by a real API server: `helm lint`,
 * `helm template`, and every rendered object applied as a server-side dry run
 * (nothing is created but this file's namespace). helm is built from the Go
 * module proxy into the user cache on first use, like the control plane.
 *
 * The dry run goes through client-node's generic object API rather than a
 * kubectl binary: it is the same server-side apply with dryRun=All, needs no
 * second Kubernetes build, and asks for strict field validation, so a field
 * the API does not know is an error, not a silent drop.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CoreV1Api,
  HttpMethod,
  type KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  RbacAuthorizationV1Api,
} from '@kubernetes/client-node';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { type AwsFlags, addAwsFlags, awsConfigFromFlags } from '../../src/cli/aws-flags.ts';
import { ensureHelm } from '../../src/local-cluster/build.ts';
import { validateAwsConfig } from '../../providers/aws/config.ts';
import { freshNamespace, kubeConfig } from './helpers.ts';

const chart = fileURLToPath(new URL('../../deploy/helm/berth', import.meta.url));
const AWS_VALUES = join(chart, 'ci/aws-values.yaml');
const LOCAL_VALUES = join(chart, 'ci/local-values.yaml');

/** Server-side apply with dryRun=All and strict field validation: the API server checks everything, stores nothing. */
class DryRunApply extends KubernetesObjectApi {
  async apply(obj: KubernetesObject): Promise<KubernetesObject> {
    const context = this.configuration.baseServer.makeRequestContext(
      await this.specUriPath(obj, 'patch'),
      HttpMethod.PATCH,
    );
    context.setHeaderParam('Content-Type', 'application/apply-patch+yaml');
    context.setHeaderParam('Accept', 'application/json');
    context.setQueryParam('dryRun', 'All');
    context.setQueryParam('fieldManager', 'berth-chart-test');
    context.setQueryParam('force', 'true');
    context.setQueryParam('fieldValidation', 'Strict');
    context.setBody(JSON.stringify(obj)); // JSON is YAML
    return this.requestPromise(context);
  }
}

interface Rendered extends KubernetesObject {
  spec?: {
    template?: {
      spec?: { containers?: { args?: string[]; env?: { name: string; value?: string }[] }[] };
    };
  };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

let helmBin: string;
let helmHome: string;
let kc: KubeConfig;
let namespace: string;

/** Runs helm with its config and cache in a scratch directory; never throws, returns what it said. */
function helm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    HELM_CONFIG_HOME: join(helmHome, 'config'),
    HELM_CACHE_HOME: join(helmHome, 'cache'),
    HELM_DATA_HOME: join(helmHome, 'data'),
  };
  return new Promise((resolve) => {
    execFile(helmBin, args, { env, timeout: 60_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function render(release: string, ...args: string[]): Promise<Rendered[]> {
  const out = await helm('template', release, chart, '--namespace', namespace, ...args);
  expect(out.stderr, out.stderr).not.toMatch(/error/i);
  expect(out.code).toBe(0);
  return parseAllDocuments(out.stdout)
    .map((d) => d.toJS() as Rendered | null)
    .filter((o): o is Rendered => o !== null);
}

function container(objects: Rendered[]) {
  const deployment = objects.find((o) => o.kind === 'Deployment');
  const c = deployment?.spec?.template?.spec?.containers?.[0];
  if (!c) throw new Error('the chart rendered no Deployment container');
  return c;
}

function env(objects: Rendered[]): Record<string, string> {
  return Object.fromEntries((container(objects).env ?? []).map((e) => [e.name, e.value ?? '(from field)']));
}

function permissions(objects: Rendered[], kind: string): string[] {
  return objects
    .filter((o) => o.kind === kind)
    .flatMap((o) =>
      (o.rules ?? []).flatMap((r) =>
        r.apiGroups.flatMap((g) => r.resources.flatMap((res) => r.verbs.map((v) => `${g}/${res} ${v}`))),
      ),
    );
}

beforeAll(async () => {
  helmBin = await ensureHelm((m) => process.stderr.write(`[helm] ${m}\n`));
  helmHome = await mkdtemp(join(tmpdir(), 'berth-helm-'));
  kc = kubeConfig();
  namespace = await freshNamespace(kc.makeApiClient(CoreV1Api), 'helm-chart');
}, 1_800_000); // a cold helm build takes minutes on two cores

afterAll(async () => {
  if (helmHome) await rm(helmHome, { recursive: true, force: true });
  if (namespace) await kc.makeApiClient(CoreV1Api).deleteNamespace({ name: namespace });
});

describe('deploy/helm/berth', () => {
  it('passes helm lint, for the AWS provider and for the local one', async () => {
    for (const values of [AWS_VALUES, LOCAL_VALUES]) {
      const out = await helm('lint', '--strict', chart, '--values', values);
      expect(out.stdout + out.stderr, values).toContain('0 chart(s) failed');
      expect(out.code).toBe(0);
    }
  });

  it('does not default to the simulated provider: without AWS values it stops and names what to set', async () => {
    const bare = await helm('template', 'berth', chart, '--namespace', namespace);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain('aws.clusterName');
    expect(bare.stderr).toContain('controller.provider=local');
    const typo = await helm('template', 'berth', chart, '--set', 'controller.provider=gcp');
    expect(typo.stderr).toContain('controller.provider: expected aws or local, got "gcp"');
    const noSubnets = await helm(
      'template',
      'berth',
      chart,
      '--values',
      AWS_VALUES,
      '--set',
      'aws.subnets=null',
    );
    expect(noSubnets.stderr).toContain('aws.subnets');
  });

  it('runs the AWS provider for real: every --aws-* flag, live prices, multipliers, IRSA; no Node creation', async () => {
    const objects = await render('berth', '--values', AWS_VALUES);
    const vars = env(objects);
    expect(vars.BERTH_PROVIDER).toBe('aws');
    // Every --aws-* flag has its variable set.
    const flags = addAwsFlags(new Command('run')).options;
    const names = flags.map((o) => o.envVar ?? /\(\$(BERTH_[A-Z_]+)\)/.exec(o.description)?.[1] ?? o.long);
    expect(names.length).toBeGreaterThanOrEqual(12);
    for (const name of names) expect(vars, name).toHaveProperty(name ?? '');
    expect(vars.BERTH_AWS_SUBNETS).toBe('us-east-1a=subnet-0aaa1111,us-east-1b=subnet-0bbb2222');
    expect(vars.BERTH_AWS_AMI).toBe('amd64=ami-0eee5555,arm64=ami-0fff6666');
    expect(vars.BERTH_AWS_SECURITY_GROUPS).toBe('sg-0ccc3333,sg-0ddd4444');
    expect(vars.BERTH_LIVE_PRICES).toBe('true');
    expect(vars.BERTH_PRICE_REFRESH).toBe('21600');
    expect(JSON.parse(vars.BERTH_PRICE_MULTIPLIERS ?? '')).toEqual({
      capacityType: { 'on-demand': 0.8 },
      family: { m7i: 0.7 },
    });

    // What the Deployment sets is what berth run reads: the same flags, parsed from
    // these variables, make an AWS provider config that passes its checks.
    const saved = { ...process.env };
    try {
      Object.assign(process.env, vars);
      const command = addAwsFlags(new Command('run').exitOverride()).parse([], { from: 'user' });
      const config = validateAwsConfig(awsConfigFromFlags(command.opts<AwsFlags>(), { region: 'us-east-1' }));
      expect(config.subnets).toEqual({ 'us-east-1a': 'subnet-0aaa1111', 'us-east-1b': 'subnet-0bbb2222' });
      expect(config.launchTemplate).toEqual({ name: 'berth-nodes', version: '3' });
      expect(config.clusterName).toBe('prod');
    } finally {
      for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
      Object.assign(process.env, saved);
    }

    const sa = objects.find((o) => o.kind === 'ServiceAccount');
    expect(sa?.metadata?.annotations?.['eks.amazonaws.com/role-arn']).toBe(
      'arn:aws:iam::111122223333:role/berth-controller',
    );
    const granted = permissions(objects, 'ClusterRole');
    expect(granted).toContain('/nodes delete');
    expect(granted).not.toContain('/nodes create');
    expect(granted.filter((p) => p.startsWith('apiextensions.k8s.io'))).toEqual([]);
    expect(container(objects).args ?? []).not.toContain('--install-crds');
  });

  it('grants nodes create only with the local provider, and the CRDs only with installCrds', async () => {
    const objects = await render('sandbox', '--values', LOCAL_VALUES);
    expect(env(objects).BERTH_PROVIDER).toBe('local');
    expect(Object.keys(env(objects)).filter((n) => n.startsWith('BERTH_AWS_'))).toEqual([]);
    const granted = permissions(objects, 'ClusterRole');
    expect(granted).toContain('/nodes create');
    expect(granted).toContain('apiextensions.k8s.io/customresourcedefinitions patch');
    expect(container(objects).args).toEqual(['--install-crds']);
  });

  it('serves the admission webhook through a Service, with cert-manager`s certificate or, alone, its own', async () => {
    const objects = await render('hook', '--values', AWS_VALUES, '--set', 'webhook.enabled=true');
    const vars = env(objects);
    expect(vars.BERTH_WEBHOOK_ADDRESS).toBe('0.0.0.0:9443');
    expect(vars.BERTH_WEBHOOK_SERVICE).toMatch(/^[a-z0-9-]+\/hook-berth-webhook:443$/);
    expect(vars.BERTH_WEBHOOK_FAILURE_POLICY).toBe('Ignore');
    expect(vars.BERTH_WEBHOOK_CERT_DIR).toBe('/etc/berth/webhook');
    const kinds = objects.map((o) => `${o.kind} ${o.metadata?.name}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        'Service hook-berth-webhook',
        'Certificate hook-berth-webhook',
        'Issuer hook-berth-webhook-ca',
      ]),
    );
    // Two replicas each making a CA of their own would overwrite each other's CA bundle.
    const twoAlone = await helm(
      'template',
      'hook',
      chart,
      '--values',
      AWS_VALUES,
      '--set',
      'webhook.enabled=true',
      '--set',
      'webhook.certManager=false',
    );
    expect(twoAlone.code).not.toBe(0);
    expect(twoAlone.stderr).toContain('webhook.certManager');
    const alone = await render(
      'hook',
      '--values',
      AWS_VALUES,
      '--set',
      'webhook.enabled=true',
      '--set',
      'webhook.certManager=false',
      '--set',
      'replicaCount=1',
    );
    expect(env(alone).BERTH_WEBHOOK_CERT_DIR).toBeUndefined();
    expect(alone.map((o) => o.kind)).not.toContain('Certificate');
  });

  it('every rendered object is accepted by the API server (server-side dry run), and none is created', async () => {
    const api = kc.makeApiClient(DryRunApply);
    const release = `chart-${namespace.slice(-8)}`;
    let applied = 0;
    for (const values of [AWS_VALUES, LOCAL_VALUES]) {
      const objects = await render(release, '--values', values, '--include-crds');
      expect(objects.map((o) => o.kind)).toEqual(
        expect.arrayContaining(['CustomResourceDefinition', 'Deployment', 'ClusterRole', 'Role', 'Service']),
      );
      for (const obj of objects) {
        const what = `${obj.kind} ${obj.metadata?.name}`;
        const stored = await api.apply(obj).catch((err: unknown) => {
          throw new Error(`${what} (${values}): ${err instanceof Error ? err.message : String(err)}`);
        });
        expect(stored.metadata?.name, what).toBe(obj.metadata?.name);
        applied += 1;
      }
    }
    expect(applied).toBeGreaterThan(15);
    // A dry run stores nothing.
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const missing = await rbac
      .readClusterRole({ name: `${release}-berth` })
      .catch((err: { code?: number }) => err);
    expect((missing as { code?: number }).code).toBe(404);
    const deployments = await kc
      .makeApiClient(KubernetesObjectApi)
      .list('apps/v1', 'Deployment', namespace)
      .then((l) => l.items.length);
    expect(deployments).toBe(0);
  });

  it('a field the API does not know fails the dry run (strict validation)', async () => {
    const api = kc.makeApiClient(DryRunApply);
    const objects = await render('typo', '--values', AWS_VALUES);
    const service = objects.find((o) => o.kind === 'Service');
    if (!service) throw new Error('no Service rendered');
    const err = await api
      .apply({ ...service, spec: { ...(service as { spec?: object }).spec, prots: [] } } as Rendered)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(String(err instanceof Error ? err.message : err)).toContain('prots');
  });
});
