import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';
import type { Route } from './cost-api.ts';

export interface HealthSource {
  /** Process is alive and its loops are turning. */
  healthy(): boolean;
  /** Caches synced and able to act (or standing by as a follower). */
  ready(): boolean;
}

/** /metrics, /healthz and /readyz on one small HTTP server, and any further routes (cost API, dashboard). */
export function startHttpServer(
  address: { host: string; port: number },
  registry: Registry,
  health: HealthSource,
  extra: { routes?: readonly Route[]; beforeScrape?: () => void } = {},
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/metrics') {
      extra.beforeScrape?.();
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const ok = path === '/healthz' ? health.healthy() : health.ready();
      res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
      res.end(ok ? 'ok' : 'not ready');
      return;
    }
    const url = new URL(req.url ?? '/', 'http://berth.invalid');
    for (const route of extra.routes ?? []) if (route(req, res, url)) return;
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found: try /metrics, /healthz, /readyz, /allocation, /report or /ui');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve(server));
  });
}
