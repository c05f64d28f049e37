import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-quote-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const small = (name: string) =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}}\nspec:\n  containers:\n    - name: c\n      image: x\n      resources: {requests: {cpu: 250m, memory: 512Mi}}\n`;

/** What `helm template` prints: workloads among Services, ConfigMaps and a DaemonSet. */
const CHART = [
  'apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {ports: [{port: 80}]}',
  'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: b}',
  'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n        - name: web\n          image: x\n          resources: {requests: {cpu: 500m, memory: 1Gi}}',
  'apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: logs}\nspec:\n  template:\n    spec:\n      tolerations: [{operator: Exists}]\n      containers:\n        - name: shipper\n          image: x\n          resources: {requests: {cpu: 100m, memory: 128Mi}}',
].join('\n---\n');

interface QuoteJson {
  setup: { runFlags?: string; daemonSets: number; multipliers: boolean; outOfReach: number };
  skipped: string[];
  pods: {
    object: string;
    replicas: number;
    totalPerHour: number | null;
    decision: {
      sizing: { need: Record<string, number> };
      chosen?: { offering: { capacityType: string; instanceType: string }; pricePerHour: number };
      fallbacks: { offering: { capacityType: string } }[];
    };
  }[];
}

async function quoteJson(args: string[]): Promise<QuoteJson> {
  const r = await runCli(['quote', ...args, '-o', 'json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as QuoteJson;
}

describe('berth quote decides as berth run would', () => {
  it('skips what runs no pod with a note, quotes a Deployment with its replicas and total, and sizes for the DaemonSet', async () => {
    const chart = file('chart.yaml', CHART);
    const r = await runCli(['quote', '-f', chart]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('note: skipped Service/web');
    expect(r.stderr).toContain('note: skipped ConfigMap/settings');
    expect(r.stdout).toContain(
      'Quoted as `berth run --provider local --cloud aws --region us-east-1` would decide',
    );
    expect(r.stdout).toMatch(/replicas {3}3: \$[\d.]+\/h in all/);
    expect(r.stdout).not.toContain('DaemonSet/logs (');

    const q = await quoteJson(['-f', chart]);
    expect(q.setup.daemonSets).toBe(1);
    expect(q.pods.map((p) => p.object)).toEqual(['Deployment/web']);
    const web = q.pods[0]!;
    // The DaemonSet's pod runs beside each replica on its node.
    expect(web.decision.sizing.need.pods).toBe(2);
    expect(web.decision.sizing.need.cpu).toBe(600);
    expect(web.totalPerHour).toBeCloseTo(web.decision.chosen!.pricePerHour * 3, 6);
  }, 120_000);

  it('never offers what the provider cannot launch: no Fargate through the EC2 provider', async () => {
    const pod = file('small.yaml', small('tiny'));
    const local = await quoteJson(['-f', pod, '--provider', 'local']);
    const aws = await quoteJson(['-f', pod, '--provider', 'aws', '--aws-subnets', 'us-east-1a=subnet-1']);
    // The local simulation runs Fargate, which ranks among a tiny pod's choices; the EC2 provider can't.
    const localChoices = [local.pods[0]!.decision.chosen!, ...local.pods[0]!.decision.fallbacks];
    expect(localChoices.map((c) => c.offering.capacityType)).toContain('serverless');
    const awsChoices = [aws.pods[0]!.decision.chosen!, ...aws.pods[0]!.decision.fallbacks];
    expect(awsChoices.map((c) => c.offering.capacityType)).not.toContain('serverless');
    expect(aws.setup.outOfReach).toBeGreaterThan(0);
  }, 120_000);

  it('applies the same price multipliers as run', async () => {
    const pod = file('od.yaml', small('od'));
    const base = await quoteJson(['-f', pod, '--policy', 'on-demand-only']);
    const half = await quoteJson([
      '-f',
      pod,
      '--policy',
      'on-demand-only',
      '--price-multipliers',
      '{"capacityType":{"on-demand":0.5}}',
    ]);
    expect(half.setup.multipliers).toBe(true);
    expect(half.pods[0]!.decision.chosen!.pricePerHour).toBeLessThan(
      base.pods[0]!.decision.chosen!.pricePerHour,
    );
  }, 120_000);
});
