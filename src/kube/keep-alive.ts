/**
 * client-node 1.x builds a new https.Agent for every API request, so each call
 * pays a TLS handshake and its secure-context setup, and no connection is
 * reused. Under a burst that costs the API server and us CPU and the
 * controller tens of MiB of short-lived TLS state. This KubeConfig keeps one
 * keep-alive agent per config and hands it to every request.
 */
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent, type RequestOptions } from 'node:https';
import { KubeConfig, type RequestContext } from '@kubernetes/client-node';

/** Enough sockets for the controller's concurrency; idle ones are closed after a while. */
const MAX_SOCKETS = 64;

export class KeepAliveKubeConfig extends KubeConfig {
  private agent: Promise<HttpAgent | HttpsAgent | undefined> | undefined;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    this.agent ??= this.sharedAgent();
    const agent = await this.agent;
    if (agent) context.setAgent(agent);
  }

  /** Undefined behind a proxy: client-node's own proxy agents are left as they are. */
  private async sharedAgent(): Promise<HttpAgent | HttpsAgent | undefined> {
    const cluster = this.getCurrentCluster();
    if (!cluster || cluster.proxyUrl) return undefined;
    if (cluster.server.startsWith('http:'))
      return new HttpAgent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    const tls: RequestOptions = {};
    await this.applyToHTTPSOptions(tls);
    return new HttpsAgent({
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: tls.rejectUnauthorized,
      servername: tls.servername,
      keepAlive: true,
      maxSockets: MAX_SOCKETS,
    });
  }
}

/** A copy of `kc` whose API clients reuse connections. */
export function keepAliveKubeConfig(kc: KubeConfig): KubeConfig {
  return copyInto(new KeepAliveKubeConfig(), kc);
}

export function copyInto<T extends KubeConfig>(target: T, kc: KubeConfig): T {
  target.loadFromOptions({
    clusters: kc.clusters,
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.getCurrentContext(),
  });
  return target;
}
