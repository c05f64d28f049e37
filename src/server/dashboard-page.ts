/**
 * The dashboard at /ui: one page, one script and Chart.js (served from
 * node_modules by dashboard.ts), so it needs no build step and no internet.
 * It reads only the cost API (/report, /decision), so what it shows is what
 * the API says. `?window=` takes the API's windows (today, 7d, START,END).
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>berth: spend</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem auto; max-width: 70rem; color: #1b1f24; }
  h1 { font-size: 1.4rem; margin: 0 0 .5rem; }
  h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
  dl { display: grid; grid-template-columns: repeat(5, 1fr); gap: .5rem; margin: 0; }
  dl div { background: #f4f6f8; border-radius: 6px; padding: .6rem .8rem; }
  dt { color: #57606a; font-size: .8rem; }
  dd { margin: 0; font-size: 1.2rem; font-variant-numeric: tabular-nums; }
  table { border-collapse: collapse; width: 100%; }
  th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e4e7eb; }
  td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
  .cols { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
  #decision { background: #f4f6f8; border-radius: 6px; padding: .6rem .8rem; min-height: 3rem; }
  #error { color: #b42318; }
  a { color: #0969da; cursor: pointer; }
</style>
</head>
<body data-state="loading">
<h1>berth: what each namespace spent</h1>
<p>Window <strong id="window"></strong> · <a href="?window=today">today</a> · <a href="?window=7d">7 days</a> · <a href="?window=30d">30 days</a></p>
<p id="error"></p>
<dl>
  <div><dt>Spent</dt><dd id="total-cost">…</dd></div>
  <div><dt>On demand would cost</dt><dd id="total-on-demand">…</dd></div>
  <div><dt>Saved against on-demand</dt><dd id="savings">…</dd></div>
  <div><dt>Static node pool would cost</dt><dd id="pool-cost">…</dd></div>
  <div><dt>Saved against the static pool</dt><dd id="pool-savings">…</dd></div>
</dl>
<h2>Spend per namespace over time</h2>
<canvas id="spend-chart" height="90"></canvas>
<div class="cols">
  <section>
    <h2>Namespaces</h2>
    <table id="namespaces"><thead><tr><th>Namespace</th><th class="num">Pods</th><th class="num">Spent</th><th class="num">Saved</th></tr></thead><tbody></tbody></table>
  </section>
  <section>
    <h2>Most expensive pods</h2>
    <table id="pods"><thead><tr><th>Pod</th><th class="num">Hours</th><th class="num">Spent</th></tr></thead><tbody></tbody></table>
  </section>
</div>
<h2>Why this machine?</h2>
<div id="decision">Pick a pod above to see what berth chose for it, why, and the runner-up.</div>
<script src="/ui/chart.umd.min.js"></script>
<script src="/ui/dashboard.js"></script>
</body>
</html>
`;

export const DASHBOARD_JS = `'use strict';
const params = new URLSearchParams(location.search);
const windowParam = params.get('window') || 'today';
const usd = (v) => (v < 0 && Math.abs(v).toFixed(4) !== '0.0000' ? '-' : '') + '$' + Math.abs(v).toFixed(4);
const pct = (v) => v.toFixed(1) + '%';
const cell = (text, cls) => { const td = document.createElement('td'); td.textContent = text; if (cls) td.className = cls; return td; };

async function report(window, aggregate) {
  const res = await fetch('/report?window=' + encodeURIComponent(window) + '&aggregate=' + encodeURIComponent(aggregate));
  const body = await res.json();
  if (!res.ok) throw new Error(body.message || res.statusText);
  return body.report;
}

/** Hourly buckets up to two days, daily beyond. */
function buckets(start, end) {
  const step = end - start <= 2 * 86400000 ? 3600000 : 86400000;
  const out = [];
  for (let t = start; t < end; t += step) out.push([t, Math.min(t + step, end)]);
  return out.slice(-60);
}

async function chart(r) {
  const start = Date.parse(r.window.start);
  const end = Date.parse(r.window.end);
  const spans = buckets(start, end);
  const parts = await Promise.all(spans.map(([s, e]) => report(new Date(s).toISOString() + ',' + new Date(e).toISOString(), 'namespace')));
  const names = r.rows.map((row) => row.key);
  const datasets = names.map((ns) => ({
    label: ns,
    data: parts.map((p) => (p.rows.find((row) => row.key === ns) || { cost: 0 }).cost),
  }));
  const labels = spans.map(([s]) => {
    const d = new Date(s).toISOString();
    return spans.length > 0 && spans[0][1] - spans[0][0] < 86400000 ? d.slice(11, 16) : d.slice(0, 10);
  });
  new Chart(document.getElementById('spend-chart'), {
    type: 'bar',
    data: { labels, datasets },
    options: { animation: false, scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: 'USD' } } } },
  });
}

async function showDecision(pod) {
  const box = document.getElementById('decision');
  box.textContent = 'loading ' + pod + '…';
  const res = await fetch('/decision?pod=' + encodeURIComponent(pod));
  const d = await res.json();
  box.replaceChildren();
  const line = (label, text, id) => { const p = document.createElement('p'); const b = document.createElement('strong'); b.textContent = label + ': '; p.append(b, text); if (id) p.id = id; box.append(p); };
  if (!res.ok) { line(pod, d.message); return; }
  const offer = (o) => o ? o.instanceType + ' ' + o.capacityType + ' in ' + (o.zone || o.region) + ' at ' + usd(o.pricePerHour) + '/h' : 'none';
  line('Pod', d.pod);
  line('Chosen', offer(d.chosen), 'decision-chosen');
  line('Why', d.why, 'decision-why');
  line('Runner-up', offer(d.runnerUp), 'decision-runner-up');
}

async function main() {
  const [byNs, byPod] = await Promise.all([report(windowParam, 'namespace'), report(windowParam, 'pod')]);
  document.getElementById('window').textContent = byNs.window.start + ' .. ' + byNs.window.end;
  document.getElementById('total-cost').textContent = usd(byNs.total.cost);
  document.getElementById('total-on-demand').textContent = usd(byNs.total.onDemandCost);
  document.getElementById('savings').textContent = usd(byNs.total.savings) + ' (' + pct(byNs.total.savingsPct) + ')';
  const pool = byNs.staticPool;
  document.getElementById('pool-cost').textContent = pool ? usd(pool.cost) + ' (' + pool.pools.map((p) => p.nodes + ' x ' + p.instanceType).join(' + ') + ')' : 'n/a';
  document.getElementById('pool-savings').textContent = pool ? usd(pool.savings) + ' (' + pct(pool.savingsPct) + ')' : 'n/a';
  const nsBody = document.querySelector('#namespaces tbody');
  for (const row of byNs.rows) {
    const tr = document.createElement('tr');
    tr.dataset.key = row.key;
    tr.append(cell(row.key), cell(String(row.pods), 'num pods'), cell(usd(row.cost), 'num cost'), cell(usd(row.savings), 'num savings'));
    nsBody.append(tr);
  }
  const podBody = document.querySelector('#pods tbody');
  for (const row of byPod.rows.slice(0, 10)) {
    const tr = document.createElement('tr');
    tr.dataset.key = row.key;
    const a = document.createElement('a');
    a.textContent = row.key;
    a.addEventListener('click', () => showDecision(row.key));
    const name = document.createElement('td');
    name.append(a);
    tr.append(name, cell(row.hours.toFixed(3), 'num hours'), cell(usd(row.cost), 'num cost'));
    podBody.append(tr);
  }
  await chart(byNs);
}

main().then(
  () => { document.body.dataset.state = 'ready'; },
  (err) => { document.getElementById('error').textContent = String(err); document.body.dataset.state = 'error'; },
);
`;
