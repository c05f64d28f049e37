import type { KubeConfig, V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { admit, requestOf } from '../admission/admit.ts';
import type { ServerlessRoutes } from '../admission/route.ts';
import { type WebhookEndpoint, webhookConfiguration } from '../admission/webhook-configuration.ts';
import { resolvePodPolicy } from '../controller/policy-resolution.ts';
import { ensureWebhookConfiguration } from '../kube/webhook-configuration.ts';
import { watchDaemonSets, watchPolicies } from '../kube/watches.ts';
import { type FailurePolicy, type Offering, type PodFeature, WEBHOOK_PATH } from '../model/index.ts';
import { PlacementEngine } from '../placement/engine.ts';
import type { Metrics } from '../server/metrics.ts';
import { makeServingCertificate } from '../server/serving-cert.ts';
import { startWebhookServer, type WebhookTls } from '../server/webhook.ts';
import type { PolicySource } from '../controller/policy-resolution.ts';

export interface WebhookOptions {
  /** Where the webhook listens. */
  host: string;
  port: number;
  /** How the API server reaches it; default `https://<host>:<port>/mutate-pods`. */
  endpoint?: WebhookEndpoint;
  failurePolicy?: FailurePolicy;
  /**
   * A certificate made elsewhere (cert-manager, in the chart), served as it
   * is; with its CA, berth keeps the configuration pointing at that CA,
   * without it the configuration is left to whoever installed it. Absent,
   * berth makes its own at start and keeps the configuration's CA bundle current.
   */
  tls?: WebhookTls;
  /** Labels a namespace must also carry for this installation's webhook (two installations in one cluster). */
  namespaceLabels?: Record<string, string>;
  /** berth's own namespace, never acted in. */
  ownNamespace?: string;
  /** How long the API server waits for an answer before the failure policy applies, seconds (default 5). */
  timeoutSeconds?: number;
  /** How often the configuration is checked and put right, ms (default 60 s). */
  resyncMs?: number;
}

export interface Admission {
  /** `host:port` it serves on. */
  readonly address: string;
  replaceOfferings(offerings: readonly Offering[]): void;
  stop(): Promise<void>;
}

/**
 * The webhook behind `berth run`: the same engine and offerings the
 * controller decides with, the cluster's PlacementPolicies and DaemonSets
 * from informers of its own (every replica answers, leader or not), served
 * over TLS, with the MutatingWebhookConfiguration kept pointing at it.
 */
export async function startAdmission(o: {
  kubeConfig: KubeConfig;
  log: Logger;
  metrics: Metrics;
  schedulerName: string;
  defaultPolicy: string;
  policies: PolicySource;
  offerings: readonly Offering[];
  cannotHost: readonly PodFeature[];
  routes: ServerlessRoutes;
  webhook: WebhookOptions;
}): Promise<Admission> {
  const { log, webhook } = o;
  const engine = new PlacementEngine(o.offerings, o.cannotHost);
  const options = { logger: log };
  const policies = watchPolicies(o.kubeConfig, {}, options);
  const daemonSets = watchDaemonSets(o.kubeConfig, {}, options);
  const watches = [policies, daemonSets];
  const view = {
    policy: (namespace: string, name: string) => {
      const found = policies.get(namespace, name);
      return found ? (found.spec ?? {}) : undefined;
    },
  };
  const nothingUnavailable = new Set<string>();
  const decide = (pod: V1Pod, shapeFit: boolean) =>
    engine.decide(
      pod,
      resolvePodPolicy(pod, view, o.policies, o.defaultPolicy),
      daemonSets
        .list()
        .map((ds) => ds.spec?.template.spec)
        .filter((s) => s !== undefined),
      nothingUnavailable,
      undefined,
      { shapeFit },
    );
  const context = {
    schedulerName: o.schedulerName,
    ownNamespace: webhook.ownNamespace,
    decide,
    routes: o.routes,
  };
  const handle = (body: unknown) => {
    const started = performance.now();
    const request = requestOf(body);
    const { review, outcome } = admit(request, context);
    o.metrics.admissions.observe({ outcome }, (performance.now() - started) / 1000);
    if (outcome === 'warned')
      log.warn({ uid: request.uid, warnings: review.response.warnings }, 'admitted unchanged');
    return review;
  };

  let timer: NodeJS.Timeout | undefined;
  const stopWatches = () => Promise.all(watches.map((w) => w.stop()));
  try {
    await Promise.all(watches.map((w) => w.hasSynced()));
    const endpoint: WebhookEndpoint = webhook.endpoint ?? { url: `https://${webhook.host}:${webhook.port}` };
    const names =
      'url' in endpoint
        ? [new URL(endpoint.url).hostname.replace(/^\[|\]$/g, '')]
        : [
            `${endpoint.service.name}.${endpoint.service.namespace}.svc`,
            `${endpoint.service.name}.${endpoint.service.namespace}.svc.cluster.local`,
          ];
    const made = webhook.tls ? undefined : await makeServingCertificate(names);
    const tls = webhook.tls ?? made!;
    // Every replica given the same CA (cert-manager's) can keep the configuration; one that made its own must be alone.
    const caPem = webhook.tls ? webhook.tls.caPem : made?.caPem;
    const server = await startWebhookServer({ host: webhook.host, port: webhook.port }, tls, handle);
    const bound = server.address();
    const address = bound && typeof bound === 'object' ? `${bound.address}:${bound.port}` : '';
    if (caPem) {
      // The URL names the port really bound (0 asks for any free one).
      const url = 'url' in endpoint ? new URL(endpoint.url) : undefined;
      if (url && url.port === '0' && bound && typeof bound === 'object') url.port = String(bound.port);
      const desired = webhookConfiguration({
        installation: o.schedulerName,
        endpoint: url ? { url: `${url.origin}${WEBHOOK_PATH}` } : endpoint,
        caPem,
        failurePolicy: webhook.failurePolicy ?? 'Ignore',
        ownNamespace: webhook.ownNamespace,
        ...(webhook.namespaceLabels ? { namespaceLabels: webhook.namespaceLabels } : {}),
        ...(webhook.timeoutSeconds ? { timeoutSeconds: webhook.timeoutSeconds } : {}),
      });
      const ensure = async () => {
        if (await ensureWebhookConfiguration(o.kubeConfig, desired))
          log.info({ name: desired.metadata?.name }, 'webhook configuration written');
      };
      try {
        await ensure();
      } catch (err) {
        server.close();
        throw err;
      }
      // Someone may delete it or another process may rewrite its CA bundle: put it right again.
      timer = setInterval(() => {
        ensure().catch((err: unknown) =>
          log.warn({ err: String(err) }, 'could not check the webhook configuration'),
        );
      }, webhook.resyncMs ?? 60_000);
      timer.unref();
    }
    log.info({ address, failurePolicy: webhook.failurePolicy ?? 'Ignore' }, 'admission webhook serving');
    return {
      address,
      replaceOfferings: (offerings) => engine.replace(offerings),
      async stop() {
        clearInterval(timer);
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections(); // the API server keeps connections open
        await closed;
        await stopWatches();
      },
    };
  } catch (err) {
    await stopWatches();
    throw err;
  }
}
