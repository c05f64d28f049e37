/**
 * How long does the API server wait for the admission webhook? Serves the
 * real webhook (TLS, the one engine over aws us-east-1's embedded offerings,
 * the default policy) and sends it AdmissionReviews for new pods at a steady
 * 200 per second for 10 seconds over keep-alive connections, as the API
 * server does; prints p50/p99/max of the round trip and of the server's own
 * handling, against the goal (p99 under 5 ms). Run with `npm run bench:webhook`.
 */
import { Agent, request } from 'node:https';
import { loadPreset } from '../../policies/presets.ts';
import { localReach } from '../../providers/local/provider.ts';
import { admit, requestOf } from '../../src/admission/admit.ts';
import { serverlessRoutes } from '../../src/admission/serverless-routes.ts';
import { formatTable } from '../../src/cli/output.ts';
import { PlacementEngine } from '../../src/placement/engine.ts';
import { offeringsFor } from '../../src/runtime/offerings.ts';
import { makeServingCertificate } from '../../src/server/serving-cert.ts';
import { startWebhookServer } from '../../src/server/webhook.ts';

const RATE = 200;
const SECONDS = 10;
const GOAL_P99_MS = 5;

const reach = localReach('aws', 'us-east-1');
const { offerings } = offeringsFor({ cloud: 'aws', region: 'us-east-1', reach, onWarning: () => {} });
const engine = new PlacementEngine(offerings);
const policy = loadPreset('default');
const serverTimes: number[] = [];
const context = {
  schedulerName: 'berth',
  ownNamespace: 'berth-system',
  decide: (pod: Parameters<PlacementEngine['decide']>[0]) => engine.decide(pod, policy, [], new Set()),
  routes: serverlessRoutes('berth', reach.serverless),
};

const cert = await makeServingCertificate(['127.0.0.1']);
const server = await startWebhookServer({ host: '127.0.0.1', port: 0 }, cert, (body) => {
  const started = performance.now();
  const out = admit(requestOf(body), context).review;
  serverTimes.push(performance.now() - started);
  return out;
});
const address = server.address();
if (!address || typeof address === 'string') throw new Error('no address');
const agent = new Agent({ keepAlive: true, maxSockets: 16, ca: cert.caPem });

const SHAPES = [
  { cpu: '250m', memory: '512Mi' },
  { cpu: '500m', memory: '1Gi' },
  { cpu: '2', memory: '4Gi' },
  { cpu: '4', memory: '16Gi' },
];

function review(i: number): string {
  const requests = SHAPES[i % SHAPES.length];
  return JSON.stringify({
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: `bench-${i}`,
      kind: { group: '', version: 'v1', kind: 'Pod' },
      operation: 'CREATE',
      namespace: 'team-a',
      object: {
        metadata: { generateName: 'ci-', labels: { app: 'ci' } },
        spec: {
          schedulerName: 'default-scheduler',
          containers: [{ name: 'c', image: 'x', resources: { requests } }],
        },
      },
    },
  });
}

function send(i: number): Promise<number> {
  const body = review(i);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: (address as { port: number }).port,
        path: '/mutate-pods',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200
            ? resolve(performance.now() - started)
            : reject(new Error(`HTTP ${res.statusCode}`)),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Warm up (JIT, TLS sessions) outside the measurement.
await Promise.all(Array.from({ length: 200 }, (_, i) => send(i)));
serverTimes.length = 0;

const total = RATE * SECONDS;
const roundTrips: Promise<number>[] = [];
const start = performance.now();
for (let i = 0; i < total; i++) {
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  roundTrips.push(send(i));
}
const times = await Promise.all(roundTrips);
const elapsed = (performance.now() - start) / 1000;
agent.destroy();
server.close();

function pct(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}
const ms = (v: number) => v.toFixed(2);
process.stdout.write(
  `webhook admission: ${total} pod creates at ${RATE}/s (achieved ${(total / elapsed).toFixed(0)}/s), ${offerings.length} offerings (aws us-east-1), default policy\n\n`,
);
process.stdout.write(
  `${formatTable(
    ['MEASURE', 'P50 MS', 'P99 MS', 'MAX MS'],
    [
      [
        'round trip (what the API server waits)',
        ms(pct(times, 50)),
        ms(pct(times, 99)),
        ms(Math.max(...times)),
      ],
      [
        'server handling (decide + patch)',
        ms(pct(serverTimes, 50)),
        ms(pct(serverTimes, 99)),
        ms(Math.max(...serverTimes)),
      ],
    ],
  )}\n`,
);
const p99 = pct(times, 99);
process.stdout.write(
  `\ngoal: p99 round trip under ${GOAL_P99_MS} ms: ${p99 < GOAL_P99_MS ? 'met' : 'NOT met'} (${ms(p99)} ms)\n`,
);
