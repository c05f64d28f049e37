/**
 * Counts the API writes (POST, PUT, PATCH, DELETE) a controller makes, by
 * verb and resource, for the end-to-end benchmark: writes are what load etcd
 * and the API server, so "writes per placed pod" is a cost worth watching.
 *
 * client-node 1.x calls the KubeConfig's applySecurityAuthentication once for
 * every request an API client builds, with the method and URL in hand, so a
 * KubeConfig subclass that counts there sees every write of every client made
 * from it (watches use a different path and are reads anyway). A request is
 * counted when it is sent, whether or not the server accepts it.
 */
import type { KubeConfig, RequestContext } from '@kubernetes/client-node';
import { copyInto, KeepAliveKubeConfig } from './keep-alive.ts';

export type WriteVerb = 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

export interface ApiWrite {
  verb: WriteVerb;
  /** kubectl spelling: `pods`, `pods/binding`, `berths.berth.dev/status`, `leases.coordination.k8s.io`. */
  resource: string;
  namespace?: string;
}

const VERBS: Record<string, WriteVerb> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };

/** The write a request makes, or undefined for reads and non-resource paths. */
export function classifyWrite(method: string, url: string): ApiWrite | undefined {
  let verb = VERBS[method.toUpperCase()];
  if (!verb) return undefined;
  const parts = new URL(url, 'http://x').pathname.split('/').filter(Boolean);
  let group: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    group = '';
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    group = parts[1] ?? '';
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  let namespace: string | undefined;
  // namespaces/<name>/finalize and /status are the Namespace's own subresources, not a namespaced resource.
  const namespaceSub = group === '' && rest.length === 3 && (rest[2] === 'finalize' || rest[2] === 'status');
  if (rest[0] === 'namespaces' && rest.length >= 3 && !namespaceSub) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, sub] = rest;
  if (!plural) return undefined;
  if (verb === 'delete' && name === undefined) verb = 'deletecollection';
  const resource = `${plural}${group ? `.${group}` : ''}${sub ? `/${sub}` : ''}`;
  return namespace === undefined ? { verb, resource } : { verb, resource, namespace };
}

export class WriteCounter {
  private readonly counts = new Map<string, number>();
  private readonly listeners: ((w: ApiWrite) => void)[] = [];

  observe(method: string, url: string): void {
    const w = classifyWrite(method, url);
    if (!w) return;
    const key = `${w.verb} ${w.resource}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    for (const l of this.listeners) l(w);
  }

  /** Called on every write, e.g. to feed a Prometheus counter. */
  onWrite(listener: (w: ApiWrite) => void): void {
    this.listeners.push(listener);
  }

  total(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }

  /** `"<verb> <resource>" → count`, sorted by key, for reports. */
  snapshot(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
  }
}

/** Counts, and reuses connections like every config the controller uses. */
class CountingKubeConfig extends KeepAliveKubeConfig {
  constructor(private readonly counter: WriteCounter) {
    super();
  }

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    this.counter.observe(context.getHttpMethod(), context.getUrl());
    await super.applySecurityAuthentication(context);
  }
}

/**
 * A copy of `kc` whose API clients report every write to `counter`. Make the
 * controller's clients from the copy; the original is left untouched.
 */
export function countingKubeConfig(kc: KubeConfig, counter: WriteCounter): KubeConfig {
  return copyInto(new CountingKubeConfig(counter), kc);
}
