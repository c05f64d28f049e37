/**
 * Every write the API server took, by verb and resource, from its own
 * apiserver_request_total counter: what the whole system (controller, kwok,
 * scheduler, controller-manager, the bench's client) costs it per pod, where
 * the controller's own berth_api_writes_total sees only its share.
 */
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

const WRITE_VERBS = new Set(['POST', 'PUT', 'PATCH', 'DELETE', 'APPLY']);

export type WriteCounts = Map<string, number>;

async function scrape(kc: KubeConfig): Promise<string> {
  const server = new URL(kc.getCurrentCluster()?.server ?? '');
  const options = { hostname: server.hostname, port: server.port, path: '/metrics', method: 'GET' };
  await kc.applyToHTTPSOptions(options);
  return await new Promise<string>((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        body += c;
      });
      res.on('end', () =>
        res.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics: HTTP ${res.statusCode}`)),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

function label(line: string, name: string): string {
  return new RegExp(`[{,]${name}="([^"]*)"`).exec(line)?.[1] ?? '';
}

/** `"<verb> <resource>[/<subresource>]" → writes so far`, summed over codes and scopes. */
export async function apiServerWrites(kc: KubeConfig): Promise<WriteCounts> {
  const counts: WriteCounts = new Map();
  for (const line of (await scrape(kc)).split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const verb = label(line, 'verb');
    if (!WRITE_VERBS.has(verb)) continue;
    const sub = label(line, 'subresource');
    const key = `${verb} ${label(line, 'resource')}${sub ? `/${sub}` : ''}`;
    counts.set(key, (counts.get(key) ?? 0) + Number(line.split(' ').pop()));
  }
  return counts;
}

/** What was written between two scrapes, largest first. */
export function writesBetween(before: WriteCounts, after: WriteCounts): [string, number][] {
  return [...after.entries()]
    .map(([k, v]): [string, number] => [k, v - (before.get(k) ?? 0)])
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1]);
}

/** One line: writes per pod in all, then the largest kinds per pod. */
export function writesPerPodLine(writes: readonly [string, number][], pods: number, top = 8): string {
  const total = writes.reduce((n, [, c]) => n + c, 0);
  const kinds = writes
    .slice(0, top)
    .map(([k, c]) => `${k} ${(c / pods).toFixed(2)}`)
    .join(', ');
  return `${(total / pods).toFixed(2)} writes per pod (${kinds})`;
}
