import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Route } from './cost-api.ts';
import { DASHBOARD_HTML, DASHBOARD_JS } from './dashboard-page.ts';

/** Chart.js's browser build, from our own node_modules: the page never reaches the internet. */
function chartJs(): string {
  const main = createRequire(import.meta.url).resolve('chart.js');
  return readFileSync(join(dirname(main), 'chart.umd.min.js'), 'utf8');
}

/** /ui: the dashboard page, its script and the charting library. */
export function dashboardRoutes(): Route {
  let chart: string | undefined;
  const send = (res: Parameters<Route>[1], type: string, body: string) => {
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(body);
  };
  return (req, res, url) => {
    if (req.method !== 'GET') return false;
    if (url.pathname === '/ui' || url.pathname === '/ui/') {
      send(res, 'text/html; charset=utf-8', DASHBOARD_HTML);
      return true;
    }
    if (url.pathname === '/ui/dashboard.js') {
      send(res, 'text/javascript; charset=utf-8', DASHBOARD_JS);
      return true;
    }
    if (url.pathname === '/ui/chart.umd.min.js') {
      chart ??= chartJs();
      send(res, 'text/javascript; charset=utf-8', chart);
      return true;
    }
    return false;
  };
}
