/**
 * List + watch one resource into an in-memory cache, with callbacks.
 *
 * client-node's ListWatch already lists, watches from the list's
 * resourceVersion, re-watches when the server ends a watch, and re-lists when
 * the resourceVersion is too old (410 Gone, as a status or as an ERROR
 * event). What it does not do is survive any other error: it calls its error
 * handlers and stops for good. This wrapper restarts it with backoff, so a
 * controller's view heals after an API server restart or a network blip.
 * The backoff is capped at a few seconds and starts afresh on any sign of
 * health (a list, a watch that connects, an event), so an API server that
 * comes back is seen within seconds, not after a long doubled wait.
 * (A restart resumes from the last resourceVersion; if that has expired the
 * 410 path re-lists, and objects deleted meanwhile are reported as deleted.)
 */
import { type KubeConfig, type KubernetesObject, ListWatch, Watch } from '@kubernetes/client-node';
// Not re-exported by the package index; the generated serializer is what typed list calls use.
import { ObjectSerializer } from '@kubernetes/client-node/dist/gen/models/ObjectSerializer.js';
import { describeError } from './api-errors.ts';
import { defaultLogger, type Logger } from './log.ts';

/**
 * What the informer needs of an object. Looser than client-node's
 * KubernetesObject so custom resources typed in src/model (whose timestamps
 * are strings on the wire) fit too.
 */
export interface Watchable {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string };
}

/** Lists the watched resource: any client-node list call, or a custom-object list. */
export type ListFn<T> = () => Promise<{ items: T[]; metadata?: { resourceVersion?: string } }>;

export interface ResourceHandlers<T> {
  onAdd?(obj: T): void;
  /** `old` is the cached object this one replaces. */
  onUpdate?(obj: T, old: T): void;
  onDelete?(obj: T): void;
}

export interface WatchOptions {
  /** Must match what `listFn` lists, or the cache would mix two views. */
  labelSelector?: string;
  fieldSelector?: string;
  /** For logs, e.g. `pods`. */
  name?: string;
  /**
   * client-node's model name (e.g. `V1Pod`) when `listFn` is a typed list call.
   * Typed lists return Dates and model objects while watch events are raw
   * JSON; naming the model makes both arrive in the typed shape. Leave unset
   * for custom resources (both are raw JSON then).
   */
  model?: string;
  logger?: Logger;
  /** First restart delay after an error; doubled up to maxBackoffMs (default 250 ms and 2 s). */
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * The delay before each restart of a failed watch: doubling from `minMs`,
 * never above `maxMs`, and back to `minMs` on `reset()` (any success).
 */
export class RestartBackoff {
  private delay: number;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.delay = minMs;
  }

  /** The delay for this failure; the next one waits twice as long, up to the cap. */
  next(): number {
    const current = this.delay;
    this.delay = Math.min(this.delay * 2, this.maxMs);
    return current;
  }

  reset(): void {
    this.delay = this.minMs;
  }
}

export interface ResourceWatch<T> {
  /** The cached object (cluster-scoped objects: no namespace). */
  get(namespace: string | undefined, name: string): T | undefined;
  /** Cached objects, in one namespace or all. */
  list(namespace?: string): T[];
  /** Resolves once the first list is in the cache (and its onAdd calls have run). */
  hasSynced(): Promise<void>;
  readonly synced: boolean;
  stop(): Promise<void>;
}

function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ''}/${name}`;
}

function objectKey(obj: Watchable): string {
  return keyOf(obj.metadata?.namespace, obj.metadata?.name ?? '');
}

/**
 * Starts watching `path` (e.g. `/api/v1/pods`, `/apis/berth.dev/v1alpha1/berths`).
 * `listFn` lists the same resource with the same selectors.
 */
export function watchResources<T extends Watchable>(
  kc: KubeConfig,
  path: string,
  listFn: ListFn<T>,
  handlers: ResourceHandlers<T>,
  options: WatchOptions = {},
): ResourceWatch<T> {
  const logger = options.logger ?? defaultLogger;
  const label = options.name ?? path;
  // A short cap: an API server that restarts answers 429s and refused connections for a few
  // seconds, and a long doubled wait after that would keep the controller blind well past it.
  const backoff = new RestartBackoff(options.minBackoffMs ?? 250, options.maxBackoffMs ?? 2_000);

  // Our own cache, fed by the callbacks, so onUpdate can be given the old object.
  const cache = new Map<string, T>();
  let synced = false;
  let stopped = false;
  let restartTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let resolveSynced: () => void = () => {};
  const syncedPromise = new Promise<void>((resolve) => {
    resolveSynced = resolve;
  });

  // Objects that came from a typed list are already in model form.
  const listed = new WeakSet<object>();
  const typed = (o: KubernetesObject): T => {
    // Nobody here reads managedFields, and they are often the largest part of an object.
    if (o.metadata?.managedFields) delete o.metadata.managedFields;
    if (!options.model || listed.has(o)) return o as T;
    return ObjectSerializer.deserialize(o, options.model, '');
  };

  const listWithSync = async (): Promise<{
    items: KubernetesObject[];
    metadata?: { resourceVersion?: string };
  }> => {
    const list = await listFn();
    if (options.model) for (const item of list.items) listed.add(item);
    backoff.reset();
    if (!synced) {
      // ListWatch fills its cache synchronously after this resolves; setImmediate runs after that.
      setImmediate(() => {
        synced = true;
        resolveSynced();
      });
    }
    return list;
  };

  // Objects pass through ListWatch untouched: what comes out of a callback is a T we listed or watched.
  const informer = new ListWatch<KubernetesObject>(
    path,
    new Watch(kc),
    listWithSync,
    false,
    options.labelSelector,
    options.fieldSelector,
  );

  // A handler that throws is a bug to log, never a reason to stop delivering to the others.
  const deliver = (event: string, obj: T, call: () => void) => {
    try {
      call();
    } catch (err) {
      logger.error(
        { watch: label, event, object: objectKey(obj), err: describeError(err) },
        'watch handler failed',
      );
    }
  };

  // An add or an update is whichever our cache says: a relist reports objects it already had as adds.
  const upsert = (o: KubernetesObject) => {
    backoff.reset();
    const obj = typed(o);
    const key = objectKey(obj);
    const old = cache.get(key);
    cache.set(key, obj);
    if (old) deliver('update', obj, () => handlers.onUpdate?.(obj, old));
    else deliver('add', obj, () => handlers.onAdd?.(obj));
  };
  informer.on('add', upsert);
  informer.on('update', upsert);
  informer.on('delete', (o) => {
    backoff.reset();
    const obj = typed(o);
    const key = objectKey(obj);
    const old = cache.get(key);
    cache.delete(key);
    deliver('delete', obj, () => handlers.onDelete?.(old ?? obj));
  });
  informer.on('error', (err: unknown) => {
    if (stopped) return; // aborting our own request on stop() reports an error too
    failures += 1;
    const delay = backoff.next();
    logger.warn({ watch: label, err: describeError(err), retryInMs: delay }, 'watch failed; restarting');
    clearTimeout(restartTimer);
    restartTimer = setTimeout(() => {
      if (stopped) return;
      const before = failures;
      informer
        .start()
        .then(() => {
          // No error while listing and connecting: the watch is up, so the next failure starts afresh.
          if (failures === before) backoff.reset();
        })
        .catch((e: unknown) => {
          logger.warn({ watch: label, err: describeError(e) }, 'watch restart failed');
        });
    }, delay);
  });

  informer.start().catch((err: unknown) => {
    logger.warn({ watch: label, err: describeError(err) }, 'watch start failed');
  });

  return {
    get(namespace, name) {
      return cache.get(keyOf(namespace, name));
    },
    list(namespace) {
      const all = [...cache.values()];
      return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
    },
    hasSynced() {
      return syncedPromise;
    },
    get synced() {
      return synced;
    },
    async stop() {
      stopped = true;
      clearTimeout(restartTimer);
      await informer.stop();
    },
  };
}
