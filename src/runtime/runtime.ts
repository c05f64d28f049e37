import type { Server } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { pino, type Logger } from 'pino';
import { loadPreset } from '../../policies/presets.ts';
import { judgePolicy, resolvePolicy } from '../../policies/validate.ts';
import { createLocalProvider, type LocalProvider, localReach } from '../../providers/local/provider.ts';
import type { CapacityFailureRule } from '../../providers/local/failures.ts';
import { Controller, CONTROLLER_DEFAULTS, type ControllerConfig } from '../controller/controller.ts';
import type { PolicySource } from '../controller/policy-resolution.ts';
import { catalogAges } from '../controller/catalog-age.ts';
import { type PriceRefresh, startPriceRefresh } from '../controller/price-refresh.ts';
import { createMemoryLedger } from '../cost/memory-ledger.ts';
import { type LeaderElector, startLeaderElection } from '../kube/leader.ts';
import { keepAliveKubeConfig } from '../kube/keep-alive.ts';
import { countingKubeConfig, WriteCounter } from '../kube/write-counter.ts';
import {
  type ClosableProvider,
  type Cloud,
  type CostLedger,
  InputError,
  type Offering,
  type Policy,
  type PriceMultipliers,
  type PricingAdapter,
  type ProviderSetup,
  type Reach,
} from '../model/index.ts';
import { nodeAllocatable } from '../placement/node-reserved.ts';
import { type ReachResult, withinReach } from '../placement/reach.ts';
import { costRoutes } from '../server/cost-api.ts';
import { startHttpServer } from '../server/http.ts';
import { dashboardRoutes } from '../server/dashboard.ts';
import { meteredLedger } from './metered-ledger.ts';
import { nothingToDecideAmong, offeringsFor } from './offerings.ts';
import { type Admission, startAdmission, type WebhookOptions } from './admission.ts';
import { serverlessRoutes } from '../admission/serverless-routes.ts';
import { registerCloudApiMetrics } from '../server/cloud-api-metrics.ts';
import { createMetrics, type Metrics } from '../server/metrics.ts';

/** The controller's tuning passes through as it is (see ControllerConfig for each). */
type ControllerTuning = Partial<
  Pick<
    ControllerConfig,
    | 'schedulerName'
    | 'defaultPolicy'
    | 'concurrency'
    | 'readyTimeoutMs'
    | 'unavailableTtlMs'
    | 'gcIntervalMs'
    | 'gcGraceMs'
  >
>;

export interface RuntimeOptions extends ControllerTuning {
  kubeConfig: KubeConfig;
  cloud: Cloud;
  region: string;
  /**
   * `local`: a simulated cloud whose nodes kwok runs; otherwise a cloud's
   * provider setup (e.g. `awsProviderSetup(config)`), whose cloud and region
   * must be `cloud` and `region`.
   */
  provider: 'local' | ProviderSetup;
  /**
   * Live prices for `cloud` and `region`: fetched at start and every
   * `intervalMs`, taking over from the embedded catalog once a fetch succeeds.
   */
  livePrices?: { adapter: PricingAdapter; intervalMs?: number; retryMs?: number };
  bootDelayMs?: number;
  failures?: readonly CapacityFailureRule[];
  interruptionGraceMs?: number;
  /** Lease to compete for; `false` acts at once (single replica, tests). */
  leaderElection?: { namespace: string; name: string; identity?: string } | false;
  http?: { host: string; port: number } | false;
  /**
   * The serverless platforms configured for this installation (default: every
   * one the provider can reach); the others' offerings are out of reach.
   */
  serverless?: readonly string[];
  /** Serve the admission webhook (opt-in by label, decided at creation); off when absent. */
  webhook?: WebhookOptions | false;
  ledger?: CostLedger;
  /** While leading, roll per-pod intervals older than this into daily rows (hourly); absent keeps them all. */
  ledgerRetentionMs?: number;
  /** Price multipliers (negotiated discounts) for the embedded catalog; pass the same to a live adapter. */
  multipliers?: PriceMultipliers;
  catalogDir?: string;
  log?: Logger;
}

/** The providers the runtime can run; the local one also takes injected failures and interruptions. */
export type RuntimeProvider = LocalProvider | ClosableProvider;

export interface Runtime<P extends RuntimeProvider = LocalProvider> {
  readonly provider: P;
  /** The live price refresh, when `livePrices` was given. */
  readonly prices?: PriceRefresh;
  readonly ledger: CostLedger;
  readonly metrics: Metrics;
  readonly log: Logger;
  /** Where /metrics, /healthz and /readyz are served (`host:port`; the real port when 0 was asked for). */
  readonly httpAddress?: string;
  /** Where the admission webhook is served (`host:port`), when it is. */
  readonly webhookAddress?: string;
  /** The acting controller, while this replica leads. */
  controller(): Controller | undefined;
  /** Resolves once this replica leads and its controller has synced. */
  leading(): Promise<Controller>;
  stop(): Promise<void>;
}

/** The reach with only the serverless platforms configured (all it has when `configured` is absent). */
function onlyServerless(reach: Reach, configured: readonly string[] | undefined): Reach {
  return configured
    ? { ...reach, serverless: reach.serverless.filter((p) => configured.includes(p)) }
    : reach;
}

/** The presets and the cluster's PlacementPolicies, as the controller asks for them. */
export const builtInPolicies: PolicySource = {
  preset(name: string): Policy | undefined {
    try {
      return loadPreset(name);
    } catch {
      return undefined;
    }
  },
  fromSpec: resolvePolicy,
  judge: judgePolicy,
};

/**
 * Everything `berth run` runs: the catalog for one cloud region, the
 * provider, the ledger, metrics and health, and the controller behind leader
 * election. The demo and the integration tests start exactly this.
 */
export function startRuntime<P extends ClosableProvider>(
  o: RuntimeOptions & { provider: ProviderSetup<P> },
): Promise<Runtime<P>>;
export function startRuntime(o: RuntimeOptions & { provider: 'local' }): Promise<Runtime<LocalProvider>>;
export function startRuntime(o: RuntimeOptions): Promise<Runtime<RuntimeProvider>>;
export async function startRuntime(o: RuntimeOptions): Promise<Runtime<RuntimeProvider>> {
  const setup = o.provider === 'local' ? undefined : o.provider;
  if (setup && (o.cloud !== setup.cloud || o.region !== setup.region)) {
    throw new InputError(
      `the ${setup.name} provider launches in ${setup.cloud} ${setup.region}, but offerings are for ${o.cloud} ${o.region}: make --cloud ${setup.cloud} and --region match the provider's region`,
      { field: 'region' },
    );
  }
  const log = o.log ?? pino({ name: 'berth', level: process.env.BERTH_LOG_LEVEL ?? 'info' });
  const metrics = createMetrics();
  registerCloudApiMetrics(metrics.registry);
  const reach = onlyServerless(setup ? setup.reach : localReach(o.cloud, o.region), o.serverless);
  // Only what the provider can launch is ever decided on; the log says what was left out and why.
  const logLeftOut = (leftOut: ReachResult['leftOut'], source: string) => {
    for (const out of leftOut) {
      log.info(
        { source, reason: out.reason, count: out.count, examples: out.examples },
        `offerings outside the provider's reach (${out.reason}) left out`,
      );
    }
  };
  // Negotiated discounts apply to embedded and live prices alike.
  const catalog = offeringsFor({
    cloud: o.cloud,
    region: o.region,
    reach,
    multipliers: o.multipliers,
    catalogDir: o.catalogDir,
    onWarning: (msg) => log.warn(msg),
  });
  logLeftOut(catalog.leftOut, 'embedded');
  const embedded = catalog.offerings;
  if (embedded.length === 0 && !o.livePrices) {
    throw nothingToDecideAmong({ cloud: o.cloud, region: o.region, catalogCount: catalog.catalogCount });
  }
  const live = o.livePrices;
  if (live && live.adapter.cloud !== o.cloud) {
    throw new InputError(`live prices are for ${live.adapter.cloud}, offerings for ${o.cloud}`, {
      field: 'cloud',
    });
  }
  // With live prices, decisions use the embedded catalog until the first fetch succeeds, then each new set.
  let offerings: readonly Offering[] = embedded;
  const reportCatalogAge = () => {
    metrics.catalogAgeSeconds.reset();
    for (const a of catalogAges(offerings, Date.now()))
      metrics.catalogAgeSeconds.set({ cloud: a.cloud, capacity_type: a.capacityType }, a.seconds);
  };
  reportCatalogAge();
  const ageTimer = setInterval(reportCatalogAge, 60_000);
  ageTimer.unref();
  let current: Controller | undefined;
  // Declared before the price refresh, whose first set may arrive at once.
  let admission: Admission | undefined;
  const refreshing = new AbortController();
  const prices = live
    ? startPriceRefresh({
        adapter: live.adapter,
        fallback: () => embedded,
        ...(live.intervalMs !== undefined ? { intervalMs: live.intervalMs } : {}),
        ...(live.retryMs !== undefined ? { retryMs: live.retryMs } : {}),
        onOfferings: (all, source) => {
          let next = all;
          if (source === 'live') {
            const r = withinReach(all, reach);
            logLeftOut(r.leftOut, source);
            next = r.offerings;
          }
          offerings = next;
          current?.replaceOfferings(next);
          admission?.replaceOfferings(next);
          reportCatalogAge();
          log.info({ source, offerings: next.length }, 'prices in use');
        },
        log,
        signal: refreshing.signal,
      })
    : undefined;

  if (prices && offerings.length === 0) {
    // A region only live prices cover: decide nothing until they are in.
    if (!(await prices.refreshNow()) || offerings.length === 0) {
      refreshing.abort();
      clearInterval(ageTimer);
      throw new InputError(
        `the embedded catalog has no offerings for ${o.cloud} ${o.region} and the first live price fetch failed (see the warning above); fix what it names and start again`,
        { field: '--live-prices' },
      );
    }
  }

  const pooled = keepAliveKubeConfig(o.kubeConfig);
  const installation = o.schedulerName ?? CONTROLLER_DEFAULTS.schedulerName;
  const provider: RuntimeProvider = setup
    ? setup.create({ installation, onWarning: (message, fields) => log.warn(fields ?? {}, message) })
    : createLocalProvider({
        kubeConfig: pooled,
        cloud: o.cloud,
        region: o.region,
        // Machines are tagged with the installation that owns them (its scheduler name).
        clusterName: installation,
        bootDelayMs: o.bootDelayMs ?? 0,
        failures: o.failures ?? [],
        allocatableOf: nodeAllocatable,
        ...(o.interruptionGraceMs !== undefined ? { interruptionGraceMs: o.interruptionGraceMs } : {}),
        onError: (err) => log.warn({ err: String(err) }, 'local provider background error'),
      });
  if ('prepare' in provider && provider.prepare) {
    try {
      await provider.prepare();
    } catch (err) {
      // Nothing started so far may outlive a start that failed.
      clearInterval(ageTimer);
      refreshing.abort();
      await provider.close();
      throw err;
    }
  }
  // What passes through the ledger is also counted for Prometheus.
  const ledger = meteredLedger(o.ledger ?? createMemoryLedger(), metrics);
  const retention = o.ledgerRetentionMs;
  const retentionTimer =
    retention === undefined
      ? undefined
      : setInterval(() => {
          if (!current) return; // the leader keeps the ledger
          ledger
            .rollUp(new Date(Date.now() - retention).toISOString())
            .then((n) => n > 0 && log.info({ intervals: n }, 'old cost intervals rolled up into daily rows'))
            .catch((err: unknown) =>
              log.warn({ err: String(err) }, 'ledger roll-up failed; retried next hour'),
            );
        }, 3_600_000);
  retentionTimer?.unref();
  let resolveLeading: (c: Controller) => void = () => {};
  const leadingPromise = new Promise<Controller>((resolve) => {
    resolveLeading = resolve;
  });

  // The controller's own writes are counted (berth_api_writes_total); the local provider's
  // node registrations stand in for kubelets and are not.
  const writes = new WriteCounter();
  writes.onWrite((w) => metrics.apiWrites.inc({ verb: w.verb, resource: w.resource }));
  const controllerKubeConfig = countingKubeConfig(o.kubeConfig, writes);

  const lead = async (signal: AbortSignal) => {
    const controller = new Controller({
      kubeConfig: controllerKubeConfig,
      provider,
      ledger,
      offerings,
      policies: builtInPolicies,
      log,
      metrics,
      schedulerName: o.schedulerName ?? CONTROLLER_DEFAULTS.schedulerName,
      defaultPolicy: o.defaultPolicy ?? CONTROLLER_DEFAULTS.defaultPolicy,
      concurrency: o.concurrency ?? CONTROLLER_DEFAULTS.concurrency,
      readyTimeoutMs: o.readyTimeoutMs ?? CONTROLLER_DEFAULTS.readyTimeoutMs,
      unavailableTtlMs: o.unavailableTtlMs ?? CONTROLLER_DEFAULTS.unavailableTtlMs,
      gcIntervalMs: o.gcIntervalMs ?? CONTROLLER_DEFAULTS.gcIntervalMs,
      gcGraceMs: o.gcGraceMs ?? CONTROLLER_DEFAULTS.gcGraceMs,
    });
    current = controller;
    metrics.isLeader.set(1);
    // Machines a previous leader opened accrue in this one's counter from now on.
    await ledger
      .loadRunning()
      .catch((err: unknown) =>
        log.warn({ err: String(err) }, 'could not read the running machines from the ledger'),
      );
    signal.addEventListener(
      'abort',
      () => {
        metrics.isLeader.set(0);
        current = undefined;
      },
      { once: true },
    );
    await controller.start(signal);
    resolveLeading(controller);
  };

  const own = new AbortController();
  let elector: LeaderElector | undefined;
  let server: Server | undefined;
  /** Stops everything started so far; also what a runtime that fails to start does, so nothing runs behind it. */
  const shutdown = async () => {
    clearInterval(ageTimer);
    clearInterval(retentionTimer);
    own.abort();
    refreshing.abort();
    if (elector) await elector.release();
    await current?.stop();
    await provider.close();
    await admission?.stop();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  };
  // The address first: taken, it fails the start before anything watches or buys.
  if (o.http) {
    try {
      server = await startHttpServer(
        o.http,
        metrics.registry,
        {
          healthy: () => true,
          ready: () => (current ? current.ready : elector !== undefined),
        },
        {
          routes: [
            costRoutes({ ledger, berth: (namespace, name) => current?.berth(namespace, name) }),
            dashboardRoutes(),
          ],
          beforeScrape: () => ledger.sync(),
        },
      );
    } catch (err) {
      await shutdown();
      throw err;
    }
  }
  if (o.webhook) {
    try {
      admission = await startAdmission({
        kubeConfig: controllerKubeConfig,
        log,
        metrics,
        schedulerName: installation,
        defaultPolicy: o.defaultPolicy ?? CONTROLLER_DEFAULTS.defaultPolicy,
        policies: builtInPolicies,
        offerings,
        cannotHost: reach.cannotHost,
        routes: serverlessRoutes(installation, reach.serverless),
        webhook: o.webhook,
      });
    } catch (err) {
      await shutdown();
      throw err;
    }
  }
  if (o.leaderElection) {
    elector = startLeaderElection(pooled, {
      namespace: o.leaderElection.namespace,
      name: o.leaderElection.name,
      ...(o.leaderElection.identity ? { identity: o.leaderElection.identity } : {}),
      logger: log,
      onStartedLeading: (signal) => lead(signal),
      onNewLeader: (id) => log.info({ leader: id }, 'leader observed'),
    });
  } else {
    try {
      await lead(own.signal);
    } catch (err) {
      await shutdown(); // e.g. a queue poller must not outlive it
      throw err;
    }
  }

  const bound = server?.address();

  return {
    provider,
    ...(prices ? { prices } : {}),
    ledger,
    metrics,
    log,
    ...(bound && typeof bound === 'object' ? { httpAddress: `${bound.address}:${bound.port}` } : {}),
    ...(admission ? { webhookAddress: admission.address } : {}),
    controller: () => current,
    leading: () => leadingPromise,
    stop: shutdown,
  };
}
