import { type Command, Option } from 'commander';
import { STATIC_POOL_DEFINITION } from '../cost/baseline.ts';
import { ledgerReport } from '../cost/ledger-report.ts';
import { openLedger } from '../cost/open-ledger.ts';
import { costReportCsv, formatCostReport } from '../cost/report-format.ts';
import { parseGroupBy } from '../cost/report.ts';
import { SPLIT_RULE } from '../cost/split.ts';
import { parseWindow } from '../cost/window.ts';
import { type CostReport, InputError } from '../model/index.ts';
import { addLedgerFlags, type LedgerFlags, ledgerLocationFromFlags } from './ledger-flag.ts';
import { printJson } from './output.ts';

interface ReportFlags extends LedgerFlags {
  window: string;
  aggregate: string;
  output: string;
  server?: string;
}

/** The same report from a running controller (`GET /report`), which reads its own ledger. */
async function fromServer(server: string, window: string, aggregate: string): Promise<CostReport> {
  let url: URL;
  try {
    url = new URL('/report', server);
  } catch {
    throw new InputError(`expected a URL like http://127.0.0.1:8080, got "${server}"`, { field: '--server' });
  }
  url.searchParams.set('window', window);
  url.searchParams.set('aggregate', aggregate);
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(30_000) });
  } catch (err) {
    throw new InputError(`cannot reach ${url.origin}: ${err instanceof Error ? err.message : String(err)}`, {
      field: '--server',
    });
  }
  const body = (await res.json().catch(() => undefined)) as
    | { report?: CostReport; message?: string }
    | undefined;
  if (!res.ok || !body?.report) {
    throw new InputError(`${url.origin} answered ${res.status}: ${body?.message ?? 'not a berth report'}`, {
      field: '--server',
    });
  }
  return body.report;
}

export function register(program: Command): void {
  const command = program
    .command('report')
    .description(
      'what each namespace, pod, controller, instance type, capacity type or label spent, with savings against on-demand and against a static node pool',
    )
    .addOption(
      new Option(
        '--window <window>',
        'today, yesterday, week, month, 30m, 12h, 7d, 30d, ..., or START,END (RFC 3339 or Unix seconds)',
      ).default('today'),
    )
    .addOption(
      new Option(
        '--aggregate <by,...>',
        'group by namespace, pod, controller, instance-type, capacity-type or label:KEY; several make one row per combination',
      ).default('namespace'),
    )
    .addOption(
      new Option('-o, --output <format>', 'table, json or csv')
        .choices(['table', 'json', 'csv'])
        .default('table'),
    )
    .addOption(
      new Option(
        '--server <url>',
        'ask a running berth run (its --metrics-address) instead of reading the ledger, e.g. http://127.0.0.1:8080',
      ).env('BERTH_SERVER'),
    );
  addLedgerFlags(command)
    .addHelpText(
      'after',
      [
        '',
        'Savings are against on-demand (the on-demand price of the same machine for the same time) and',
        `against a ${STATIC_POOL_DEFINITION}.`,
        '',
        `cpu, ram and gpu parts (json, csv): ${SPLIT_RULE}`,
        '',
        'An interval that straddles the window counts for the share of its billed time inside it; a machine',
        'still running counts up to now.',
        '',
        'Examples:',
        '  berth report --window 7d --aggregate namespace,capacity-type',
        '  berth report --ledger postgres://berth@db:5432/berth --window 2026-11-01T00:00:00Z,2026-12-01T00:00:00Z -o csv',
        '  berth report --server http://127.0.0.1:8080 --aggregate label:team -o json',
      ].join('\n'),
    )
    .action(async (flags: ReportFlags) => {
      const groupBy = parseGroupBy(flags.aggregate);
      const window = parseWindow(flags.window);
      let report: CostReport;
      if (flags.server !== undefined) {
        report = await fromServer(flags.server, flags.window, flags.aggregate);
      } else {
        const ledger = await openLedger(ledgerLocationFromFlags(flags), { retryForMs: 10_000 });
        try {
          report = await ledgerReport(ledger, { window, groupBy });
        } finally {
          await ledger.close();
        }
      }
      if (flags.output === 'json') printJson(report);
      else if (flags.output === 'csv') process.stdout.write(`${costReportCsv(report)}\n`);
      else process.stdout.write(`${formatCostReport(report)}\n`);
    });
}
