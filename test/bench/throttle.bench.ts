/**
 * npm run bench:throttle — a simulated scale test of launching against EC2's
 * API limits: pods arrive in bursts over a window, each is launched through
 * the real AWS provider (createAwsProvider: its normal launch path, the real
 * SDK, the client-side pacing) against moto behind the sandbox's throttling
 * proxy (EC2's documented token buckets), and each pod's machine is
 * terminated a few seconds after it is launched, as a short CI pod's would.
 *
 * A pod counts as bound when its claim's machine is launched and tagged for
 * it: the controller binds it as soon as the machine's Node registers, which
 * no cloud API call holds up. A launch that fails (a pacing refusal, a
 * throttle the pacing could not absorb) is tried again after a backoff, as
 * the controller does; the pod stays pending meanwhile.
 *
 * It runs one call per pod (`batching: false`) and the batched path (the
 * default) one after the other, each against a fresh moto, and prints both
 * side by side. Bounded: each mode stops at the end of the window plus a
 * grace period, and the whole run has a hard stop.
 *
 *   npm run bench:throttle -- [--pods 10000] [--minutes 10] [--max-burst 2000]
 *                             [--grace-seconds 60] [--modes per-call,batched]
 */
import { setMaxListeners } from 'node:events';
import { parseArgs } from 'node:util';
import { CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand } from '@aws-sdk/client-ec2';
import { claimFor } from '../../src/controller/claim.ts';
import type { Claim, Instance } from '../../src/model/index.ts';
import { closeSharedPacers } from '../../providers/api-pacing.ts';
import { ec2Pacer } from '../../providers/aws/ec2-pacing.ts';
import { startThrottlingProxy } from '../../providers/aws/ec2-throttling-proxy.ts';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import { type AwsProviderOptions, createAwsProvider } from '../../providers/aws/provider.ts';
import { createSimulatedAccount, EMULATOR_CREDENTIALS } from '../../providers/aws/simulation.ts';
import { testBerth } from '../fixtures/berth-object.ts';
import { testOffering } from '../fixtures/offering.ts';
import { percentile, sleep } from './burst.ts';

const { values } = parseArgs({
  options: {
    pods: { type: 'string', default: '10000' },
    minutes: { type: 'string', default: '10' },
    'max-burst': { type: 'string', default: '2000' },
    'grace-seconds': { type: 'string', default: '60' },
    'terminate-after-seconds': { type: 'string', default: '5' },
    modes: { type: 'string', default: 'per-call,batched' },
    seed: { type: 'string', default: '14' },
  },
});

function positive(name: string, raw: string | undefined): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`bench:throttle: --${name} must be a positive number, got ${raw}\n`);
    process.exit(2);
  }
  return n;
}

const PODS = Math.round(positive('pods', values.pods));
const WINDOW_MS = positive('minutes', values.minutes) * 60_000;
const MAX_BURST = Math.round(positive('max-burst', values['max-burst']));
const GRACE_MS = positive('grace-seconds', values['grace-seconds']) * 1000;
const TERMINATE_AFTER_MS = positive('terminate-after-seconds', values['terminate-after-seconds']) * 1000;
const MODES = (values.modes ?? '').split(',').filter((m): m is Mode => m === 'per-call' || m === 'batched');
const SEED = Math.round(positive('seed', values.seed));
type Mode = 'per-call' | 'batched';
const ZONE = 'us-east-1a';

const log = (m: string) => process.stderr.write(`[bench:throttle] ${m}\n`);

/** A small seeded generator, so both modes see the same arrivals. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bursts of a quarter to all of MAX_BURST pods, at random times over the window, first at 0. */
export function arrivals(pods: number, windowMs: number, maxBurst: number, random: () => number) {
  const sizes: number[] = [];
  for (let left = pods; left > 0; ) {
    const size = Math.min(left, Math.max(1, Math.round(maxBurst * (0.25 + 0.75 * random()))));
    sizes.push(size);
    left -= size;
  }
  const times = sizes.map((_, i) => (i === 0 ? 0 : Math.round(random() * windowMs))).sort((a, b) => a - b);
  return sizes.map((size, i) => ({ atMs: times[i] ?? 0, size }));
}

let seq = 0;
function claimOf(): Claim {
  seq += 1;
  return claimFor(testBerth(seq, 'bench'), testOffering({ zone: ZONE }), 0, 'berth');
}

interface ModeResult {
  mode: Mode;
  pods: number;
  bound: number;
  seconds: number;
  boundPerSecond: number;
  p50: number;
  p99: number;
  calls: Record<string, { calls: number; throttled: number }>;
  clientThrottles: number;
  launchRetries: number;
  terminated: number;
}

async function runMode(moto: MotoServer, mode: Mode): Promise<ModeResult> {
  await fetch(`${moto.endpoint}/moto-api/reset`, { method: 'POST' });
  const account = await createSimulatedAccount({
    endpoint: moto.endpoint,
    cluster: 'throttle-bench',
    clusterEndpoint: 'https://cluster.example:6443',
    clusterCertificateAuthority: Buffer.from('CA').toString('base64'),
  });
  // The account's subnets are /24s: 251 addresses, which terminated machines keep in moto. The pods
  // launch into one /16 of their own instead, so addresses never run out before the API limits bite.
  const vpc = await account.ec2.send(new CreateVpcCommand({ CidrBlock: '10.100.0.0/16' }));
  const subnet = await account.ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.100.0.0/16', AvailabilityZone: ZONE }),
  );
  const sg = await account.ec2.send(
    new CreateSecurityGroupCommand({ GroupName: 'bench-nodes', Description: 'bench', VpcId: vpc.Vpc?.VpcId }),
  );
  account.ec2.destroy();
  account.sqs.destroy();
  if (!subnet.Subnet?.SubnetId || !sg.GroupId) throw new Error('moto created no subnet or security group');
  const proxy = await startThrottlingProxy(moto.endpoint);
  // The batching option is the provider's (default on); one call per pod turns it off.
  const modeOptions: Partial<AwsProviderOptions> = mode === 'per-call' ? { batching: false } : {};
  const provider = createAwsProvider(
    {
      ...account.config,
      subnets: { [ZONE]: subnet.Subnet.SubnetId },
      securityGroupIds: [sg.GroupId],
      endpoint: proxy.endpoint,
      interruptionQueueUrl: undefined,
    },
    {
      credentials: EMULATOR_CREDENTIALS,
      onWarning: () => {},
      ...modeOptions,
    },
  );
  const pacer = ec2Pacer(account.config.region, proxy.endpoint);
  const stop = new AbortController();
  // Every pending launch listens to it.
  setMaxListeners(0, stop.signal);
  const start = performance.now();
  const pending = new Map<string, number>();
  const waits: number[] = [];
  let launchRetries = 0;
  let terminated = 0;
  const work: Promise<void>[] = [];

  const terminateLater = (i: Instance) =>
    (async () => {
      await sleep(TERMINATE_AFTER_MS);
      for (let attempt = 0; !stop.signal.aborted; attempt++) {
        try {
          await provider.terminate(i.id);
          terminated += 1;
          return;
        } catch {
          await sleep(Math.min(30_000, 1000 * 2 ** attempt));
        }
      }
    })();

  const launchOne = async (claim: Claim, arrivedAt: number) => {
    for (let attempt = 0; !stop.signal.aborted; attempt++) {
      try {
        const instance = await provider.launch(claim, stop.signal);
        waits.push((performance.now() - arrivedAt) / 1000);
        pending.delete(claim.id);
        work.push(terminateLater(instance));
        return;
      } catch {
        if (stop.signal.aborted) return;
        launchRetries += 1;
        // The controller's backoff between launch attempts of one claim.
        await sleep(Math.min(30_000, 1000 * 2 ** Math.min(attempt, 5)));
      }
    }
  };

  const schedule = arrivals(PODS, WINDOW_MS, MAX_BURST, mulberry32(SEED));
  log(`${mode}: ${PODS} pods in ${schedule.length} bursts over ${WINDOW_MS / 60_000} min`);
  const hardStop = setTimeout(() => stop.abort(new Error('bench mode stopped')), WINDOW_MS + GRACE_MS);
  const progress = setInterval(
    () =>
      log(
        `${mode}: ${Math.round((performance.now() - start) / 1000)} s, ${waits.length} bound, ${pending.size} pending`,
      ),
    30_000,
  );
  for (const burst of schedule) {
    const delay = burst.atMs - (performance.now() - start);
    if (delay > 0) await sleep(delay);
    if (stop.signal.aborted) break;
    const arrivedAt = performance.now();
    for (let i = 0; i < burst.size; i++) {
      const c = claimOf();
      pending.set(c.id, arrivedAt);
      work.push(launchOne(c, arrivedAt));
    }
  }
  // Every launch ends by itself (bound, or the hard stop); wait for them, no longer than the stop.
  await Promise.race([
    Promise.allSettled(work.slice()),
    new Promise((r) => stop.signal.addEventListener('abort', r, { once: true })),
  ]);
  const seconds = (performance.now() - start) / 1000;
  clearTimeout(hardStop);
  clearInterval(progress);
  stop.abort(new Error('bench mode done'));
  const stats = pacer.stats();
  // Pacing first: it rejects the calls still waiting for a turn, so the provider's close need not wait for them.
  closeSharedPacers();
  // Calls already on the wire (queued for a connection behind a slow moto) are not waited for long.
  await Promise.race([provider.close().catch(() => {}), sleep(10_000)]);
  await proxy.close();
  // Pods never bound count at the stop, so the p99 says "at least" when more than 1% are left.
  const sorted = [...waits, ...Array.from({ length: pending.size }, () => Number.POSITIVE_INFINITY)].sort(
    (a, b) => a - b,
  );
  return {
    mode,
    pods: PODS,
    bound: waits.length,
    seconds,
    boundPerSecond: waits.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    calls: proxy.counts(),
    clientThrottles: Object.values(stats).reduce((n, s) => n + s.throttled, 0),
    launchRetries,
    terminated,
  };
}

function fmt(n: number, stopSeconds: number): string {
  return Number.isFinite(n) ? n.toFixed(1) : `> ${stopSeconds.toFixed(0)} (not bound by the stop)`;
}

function table(results: ModeResult[]): string {
  const actions = [...new Set(results.flatMap((r) => Object.keys(r.calls)))].sort();
  const row = (label: string, f: (r: ModeResult) => string) => `| ${label} | ${results.map(f).join(' | ')} |`;
  return [
    `| | ${results.map((r) => (r.mode === 'per-call' ? 'one call per pod (`batching: false`)' : 'batched (default)')).join(' | ')} |`,
    `| --- | ${results.map(() => '---').join(' | ')} |`,
    row('pods bound (machine launched and tagged)', (r) => `${r.bound} of ${r.pods}`),
    row('pods bound per second', (r) => r.boundPerSecond.toFixed(2)),
    row('p50 pending-to-bound, s', (r) => fmt(r.p50, r.seconds)),
    row('p99 pending-to-bound, s', (r) => fmt(r.p99, r.seconds)),
    ...actions.map((a) =>
      row(`${a} calls (throttled)`, (r) => `${r.calls[a]?.calls ?? 0} (${r.calls[a]?.throttled ?? 0})`),
    ),
    row('throttles met, all calls', (r) =>
      String(Object.values(r.calls).reduce((n, c) => n + c.throttled, 0)),
    ),
    row('launches tried again (pacing refused or throttled)', (r) => String(r.launchRetries)),
    row('machines terminated', (r) => String(r.terminated)),
    row('run, s', (r) => r.seconds.toFixed(0)),
  ].join('\n');
}

// The whole run's hard stop: every mode's window and grace, plus setup, then out whatever is left.
const HARD_STOP_MS = MODES.length * (WINDOW_MS + GRACE_MS + 120_000);
const hard = setTimeout(() => {
  log('hard stop reached; exiting');
  process.exit(1);
}, HARD_STOP_MS);

const moto = await startMotoServer();
const results: ModeResult[] = [];
try {
  for (const mode of MODES) results.push(await runMode(moto, mode));
} finally {
  await moto.stop();
  clearTimeout(hard);
}
const size = `${PODS} pods over ${WINDOW_MS / 60_000} min in bursts of up to ${MAX_BURST}`;
process.stdout.write(
  `\nbench:throttle, ${new Date().toISOString().slice(0, 10)}: ${size}\n\n${table(results)}\n`,
);
process.exit(0);
