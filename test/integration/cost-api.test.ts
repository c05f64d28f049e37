/**
 * The cost API, metrics and dashboard of a live controller: pods run and
 * finish, then /allocation (OpenCost's shape), /report, /decision, /metrics,
 * `berth report --server` and the /ui page in a headless Chromium all agree.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/cost/open-ledger.ts';
import { formatUsd } from '../../src/cost/report-format.ts';
import type { CostLedger, CostReport } from '../../src/model/index.ts';
import type { Runtime } from '../../src/runtime/runtime.ts';
import type { Allocation } from '../../src/server/allocation.ts';
import { runCli } from '../unit/cli/run-cli.ts';
import { berthPod, core, startBerth, uniq, waitBerth } from './berth-harness.ts';
import { freshNamespace } from './helpers.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-cost-api-'));
let ledger: CostLedger;
let runtime: Runtime;
let base: string;
let browser: Browser | undefined;
const namespaces: string[] = [];
// A fixed window, so the static-pool baseline is the same for every reader.
const windowStart = new Date(Date.now() - 60_000).toISOString();
const windowEnd = new Date(Date.now() + 3_600_000).toISOString();
const window = `${windowStart},${windowEnd}`;

async function get<T>(path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: (await res.json()) as T };
}

beforeAll(async () => {
  ledger = await openLedger({ kind: 'sqlite', path: join(dir, 'ledger.db') });
  const scheduler = uniq('cost-api');
  runtime = await startBerth({ schedulerName: scheduler, ledger, http: { host: '127.0.0.1', port: 0 } });
  base = `http://${runtime.httpAddress}`;
  for (const team of ['cost-api-a', 'cost-api-b']) namespaces.push(await freshNamespace(core, team));
  const pods: [string, string, string][] = [
    [namespaces[0]!, 'build-1', '3s'],
    [namespaces[0]!, 'build-2', '6s'],
    [namespaces[1]!, 'train', '4s'],
  ];
  for (const [namespace, name, completeAfter] of pods) {
    await core.createNamespacedPod({
      namespace,
      body: berthPod(name, { completeAfter, schedulerName: scheduler, labels: { team: namespace } }),
    });
  }
  for (const [namespace, name] of pods) {
    await waitBerth(namespace, name, 'Terminated', (b) => b.status?.phase === 'Terminated', 120_000);
  }
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  await ledger?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cost API, metrics and dashboard of a live controller', () => {
  it("answers /allocation in OpenCost's shape, with parts that add up and berth's own fields", async () => {
    const { status, body } = await get<{ code: number; data: Record<string, Allocation>[] }>(
      `/allocation?window=${encodeURIComponent(window)}&aggregate=namespace`,
    );
    expect(status).toBe(200);
    expect(body.code).toBe(200);
    expect(body.data).toHaveLength(1);
    const mine = Object.fromEntries(Object.entries(body.data[0]!).filter(([k]) => namespaces.includes(k)));
    expect(Object.keys(mine).sort()).toEqual([...namespaces].sort());
    const a = mine[namespaces[0]!]!;
    expect(a.name).toBe(namespaces[0]);
    expect(a.properties).toEqual({ namespace: namespaces[0] });
    expect(a.window).toEqual({ start: windowStart, end: windowEnd });
    expect(a.totalCost).toBeGreaterThan(0);
    expect(a.cpuCost + a.ramCost + a.gpuCost).toBeCloseTo(a.totalCost, 12);
    expect(a.pods).toBe(2);
    expect(a.minutes).toBeGreaterThanOrEqual(2); // two machines, a billed minute each at least
    expect(a.capacityTypes.length).toBeGreaterThan(0);
    expect(a.priceSources[0]).toMatch(/^embedded: /);
    expect(a.onDemandCost).toBeGreaterThanOrEqual(a.totalCost);

    const bad = await get<{ code: number; message: string }>('/allocation?window=fortnight');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toMatch(/fortnight/);
  });

  it("counts each namespace's spend in berth_cost_dollars_total, equal to the ledger's", async () => {
    const { body } = await get<{ report: CostReport }>(
      `/report?window=${encodeURIComponent(window)}&aggregate=namespace,capacity-type`,
    );
    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const row of body.report.rows.filter((r) => namespaces.includes(r.properties.namespace ?? ''))) {
      const line = metrics
        .split('\n')
        .find((l) =>
          l.startsWith(
            `berth_cost_dollars_total{namespace="${row.properties.namespace}",capacity_type="${row.properties['capacity-type']}"}`,
          ),
        );
      expect(line, `counter for ${row.key}`).toBeDefined();
      expect(Number(line!.split(' ').pop())).toBeCloseTo(row.cost, 9);
    }
    expect(metrics).toMatch(/^# TYPE berth_hourly_cost_dollars gauge$/m);
  });

  it('says what was chosen for a pod, why and the runner-up', async () => {
    const { status, body } = await get<{ why: string; chosen: { instanceType: string }; runnerUp: unknown }>(
      `/decision?pod=${namespaces[1]}/train`,
    );
    expect(status).toBe(200);
    expect(body.why.length).toBeGreaterThan(10);
    expect(body.chosen.instanceType).toBeTruthy();
    expect(body.runnerUp).not.toBeNull();
    expect((await get('/decision?pod=nobody')).status).toBe(400);
  });

  it('gives berth report --server the same totals as the API', async () => {
    const r = await runCli(['report', '--server', base, '--window', window, '-o', 'json'], {
      timeoutMs: 60_000,
    });
    expect(r.stderr).toBe('');
    const fromCli = JSON.parse(r.stdout) as CostReport;
    const { body } = await get<{ report: CostReport }>(`/report?window=${encodeURIComponent(window)}`);
    expect(fromCli.total).toEqual(body.report.total);
  });

  it('shows on /ui, in a headless Chromium, the numbers the API gives', async () => {
    const { body } = await get<{ report: CostReport }>(
      `/report?window=${encodeURIComponent(window)}&aggregate=namespace`,
    );
    const pods = await get<{ report: CostReport }>(
      `/report?window=${encodeURIComponent(window)}&aggregate=pod`,
    );
    browser = await puppeteer.launch({
      executablePath: process.env.BERTH_CHROMIUM ?? '/usr/bin/chromium',
      headless: true,
      // As root, Chromium runs only without its sandbox; the page is our own, on loopback.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
    const page = await browser.newPage();
    const outside: string[] = [];
    page.on('request', (req) => {
      if (!req.url().startsWith(base)) outside.push(req.url());
    });
    await page.goto(`${base}/ui?window=${encodeURIComponent(window)}`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    const text = (sel: string) => page.$eval(sel, (e) => e.textContent ?? '');
    expect(await text('#error')).toBe('');
    expect(await text('#total-cost')).toBe(formatUsd(body.report.total.cost));
    expect(await text('#total-on-demand')).toBe(formatUsd(body.report.total.onDemandCost));
    expect(await text('#savings')).toContain(formatUsd(body.report.total.savings));
    expect(await text('#pool-savings')).toContain(formatUsd(body.report.staticPool!.savings));
    for (const ns of namespaces) {
      const row = body.report.rows.find((r) => r.key === ns)!;
      expect(await text(`#namespaces tr[data-key="${ns}"] td.cost`)).toBe(formatUsd(row.cost));
    }
    const top = pods.body.report.rows[0]!;
    expect(await text('#pods tbody tr:first-child td.cost')).toBe(formatUsd(top.cost));
    // The chart drew (Chart.js from our own server).
    expect(
      await page.$eval('#spend-chart', (c) => (c as unknown as { width: number }).width),
    ).toBeGreaterThan(0);

    const train = `${namespaces[1]}/train`;
    await page.click(`#pods tr[data-key="${train}"] a`);
    await page.waitForSelector('#decision-why', { timeout: 30_000 });
    const decision = await get<{ why: string }>(`/decision?pod=${train}`);
    expect(await text('#decision-why')).toBe(`Why: ${decision.body.why}`);
    expect(outside).toEqual([]);
  }, 180_000);
});
