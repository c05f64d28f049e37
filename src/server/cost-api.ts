import type { IncomingMessage, ServerResponse } from 'node:http';
import { ledgerReport } from '../cost/ledger-report.ts';
import { parseGroupBy } from '../cost/report.ts';
import { parseWindow } from '../cost/window.ts';
import { type BerthObject, type CostLedger, InputError } from '../model/index.ts';
import { allocationResponse } from './allocation.ts';

/** A route answers the requests it knows and returns false for the rest. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => boolean;

export interface CostApiSource {
  ledger: CostLedger;
  /** The Berth of a pod, while the cluster still has it (the leader's cache). */
  berth(namespace: string, name: string): BerthObject | undefined;
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, err: unknown): void {
  if (err instanceof InputError) send(res, 400, { code: 400, message: err.message });
  else send(res, 500, { code: 500, message: err instanceof Error ? err.message : String(err) });
}

/** What a report asks for: OpenCost's `window` and `aggregate` parameters. */
async function reportOf(source: CostApiSource, url: URL, defaultAggregate: string) {
  const window = parseWindow(url.searchParams.get('window') ?? 'today', Date.now(), 'window');
  const groupBy = parseGroupBy(url.searchParams.get('aggregate') ?? defaultAggregate, 'aggregate');
  return ledgerReport(source.ledger, { window, groupBy });
}

/**
 * The cost API: `/allocation` (OpenCost's shape), `/report` (berth's own,
 * what `berth report --server` and the dashboard read) and `/decision`
 * (a pod's placement: the choice, why, and the runner-up).
 */
export function costRoutes(source: CostApiSource): Route {
  return (req, res, url) => {
    if (req.method !== 'GET') return false;
    if (url.pathname === '/allocation' || url.pathname === '/allocation/compute') {
      // step, resolution and accumulate are accepted and ignored: one set covers the window.
      reportOf(source, url, 'pod').then(
        (r) => send(res, 200, allocationResponse(r)),
        (err: unknown) => fail(res, err),
      );
      return true;
    }
    if (url.pathname === '/report') {
      reportOf(source, url, 'namespace').then(
        (report) => send(res, 200, { code: 200, report }),
        (err: unknown) => fail(res, err),
      );
      return true;
    }
    if (url.pathname === '/decision') {
      const pod = url.searchParams.get('pod') ?? '';
      const slash = pod.indexOf('/');
      if (slash <= 0 || slash === pod.length - 1) {
        fail(res, new InputError(`expected pod=NAMESPACE/NAME, got "${pod}"`, { field: 'pod' }));
        return true;
      }
      const berth = source.berth(pod.slice(0, slash), pod.slice(slash + 1));
      if (!berth) {
        send(res, 404, { code: 404, message: `no Berth for ${pod} (not placed by berth, or already gone)` });
        return true;
      }
      send(res, 200, {
        code: 200,
        pod,
        policy: berth.spec.policy,
        chosen: berth.spec.offering ?? null,
        why: berth.spec.explanation,
        runnerUp: berth.spec.fallbacks[0] ?? null,
        phase: berth.status?.phase ?? null,
        node: berth.status?.nodeName ?? null,
      });
      return true;
    }
    return false;
  };
}
