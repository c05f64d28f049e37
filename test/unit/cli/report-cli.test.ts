import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../../src/cost/open-ledger.ts';
import type { CostReport } from '../../../src/model/index.ts';
import { interval } from '../cost/fixtures.ts';
import { runCli } from './run-cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'berth-report-'));
const db = join(dir, 'ledger.db');
const window = '2025-01-01T00:00:00Z,2025-01-02T00:00:00Z';

beforeAll(async () => {
  const ledger = await openLedger({ kind: 'sqlite', path: db });
  await ledger.record(interval({ machine: { cpu: 2000, memoryMiB: 8192 } }));
  await ledger.record(
    interval({
      berth: 'team-b/x',
      pod: { namespace: 'team-b', name: 'x', uid: 'u2' },
      capacityType: 'on-demand',
      pricePerHour: 0.1,
      onDemandPricePerHour: undefined,
      labels: { team: 'ml' },
    }),
  );
  await ledger.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('berth report', { timeout: 120_000 }, () => {
  it('prints a table of the ledger per namespace, with the total and the static-pool baseline', async () => {
    const r = await runCli(['report', '--ledger', db, '--window', window]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^NAMESPACE\s+PODS/m);
    expect(r.stdout).toMatch(/^team-b\s+1\s+1\.000\s+\$0\.1000/m);
    expect(r.stdout).toMatch(/^total\s+2\s+2\.000\s+\$0\.1400\s+\$0\.1960/m);
    expect(r.stdout).toMatch(
      /static pool baseline: 1 x m5\.large at \$0\.0960\/h on demand for 24\.00 h = \$2\.3040/,
    );
  });

  it('answers json and csv, grouped by a label and capacity type', async () => {
    const json = await runCli([
      'report',
      '--ledger',
      `sqlite:${db}`,
      '--window',
      window,
      '--aggregate',
      'label:team,capacity-type',
      '-o',
      'json',
    ]);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.stdout) as CostReport;
    expect(report.rows.map((x) => x.key).sort()).toEqual(['ml/on-demand', 'platform/spot']);
    expect(report.total.cost).toBeCloseTo(0.14, 10);
    const csv = await runCli(['report', '--ledger', db, '--window', window, '-o', 'csv']);
    expect(csv.stdout.split('\n')[0]).toMatch(
      /^namespace,pods,start,end,minutes,cpuCost,ramCost,gpuCost,totalCost/,
    );
  });

  it('names the flag of a bad window, grouping or ledger, without a stack trace', async () => {
    const bad = await runCli(['report', '--ledger', db, '--window', 'fortnight']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--window/);
    expect(bad.stderr).not.toMatch(/at .*\.ts:\d+/);
    const group = await runCli(['report', '--ledger', db, '--aggregate', 'node']);
    expect(group.stderr).toMatch(/unknown grouping "node"/);
    const ledger = await runCli(['report', '--ledger', 'mysql://x/y']);
    expect(ledger.stderr).toMatch(/--ledger/);
  });

  it('states the static-pool baseline in its help', async () => {
    const help = await runCli(['report', '--help']);
    expect(help.stdout).toMatch(/static node pools: one for GPU machines, one for the rest/);
  });
});
