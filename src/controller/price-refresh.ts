import type { Logger } from '../kube/log.ts';
import type { Offering, PricingAdapter } from '../model/index.ts';

export type PriceDataSource = 'live' | 'embedded';

export interface PriceRefreshOptions {
  adapter: PricingAdapter;
  /** The embedded catalog's offerings: what decisions use until a live fetch succeeds. */
  fallback: () => readonly Offering[];
  /** Between successful fetches; default 12 h. */
  intervalMs?: number;
  /** First retry after a failed fetch, doubling up to `intervalMs`; default 5 min. */
  retryMs?: number;
  /** One fetch may take this long before it is abandoned; default 10 min. */
  fetchTimeoutMs?: number;
  /** Called with every complete set that takes over, never with a partial one. */
  onOfferings: (offerings: readonly Offering[], source: PriceDataSource) => void;
  log: Pick<Logger, 'info' | 'warn'>;
  /** Stops the loop and abandons a fetch in flight. */
  signal: AbortSignal;
  /** The clock (tests pin it). */
  now?: () => number;
}

export interface PriceRefresh {
  /** The set in use, where it came from, and how old its prices are (ms since epoch). */
  current(): { offerings: readonly Offering[]; source: PriceDataSource; dataTime: number };
  ageSeconds(): number;
  /**
   * Fetch now (or join the fetch in flight). Resolves true when live prices
   * took over, false when the fetch failed and the last good set stays.
   */
  refreshNow(): Promise<boolean>;
}

export const PRICE_REFRESH_DEFAULTS = {
  intervalMs: 12 * 60 * 60_000,
  retryMs: 5 * 60_000,
  fetchTimeoutMs: 10 * 60_000,
} as const;

/** The newest price time of a set: how fresh the data deciding placements is. */
export function newestObservedAt(offerings: readonly Offering[], otherwise: number): number {
  let newest = Number.NEGATIVE_INFINITY;
  for (const o of offerings) {
    const t = Date.parse(o.observedAt);
    if (t > newest) newest = t;
  }
  return Number.isFinite(newest) ? newest : otherwise;
}

/** After `failures` failed fetches in a row: wait `retryMs`, doubling, never longer than the interval. */
export function retryDelay(failures: number, retryMs: number, intervalMs: number): number {
  return Math.min(intervalMs, retryMs * 2 ** Math.max(0, failures - 1));
}

/**
 * Keeps the offerings fresh. Starts on the embedded catalog at once (so a
 * controller with no network still decides), fetches live prices in the
 * background, and hands each complete new set to `onOfferings` in one call,
 * so a decision sees the old set or the new one, never a mix. A failed fetch
 * keeps the last good set, says why, and is retried sooner than the interval.
 * One fetch at a time; everything stops with `signal`.
 */
export function startPriceRefresh(o: PriceRefreshOptions): PriceRefresh {
  const intervalMs = o.intervalMs ?? PRICE_REFRESH_DEFAULTS.intervalMs;
  const retryMs = Math.min(o.retryMs ?? PRICE_REFRESH_DEFAULTS.retryMs, intervalMs);
  const fetchTimeoutMs = o.fetchTimeoutMs ?? PRICE_REFRESH_DEFAULTS.fetchTimeoutMs;
  const now = o.now ?? Date.now;
  const cloud = o.adapter.cloud;

  const embedded = o.fallback();
  o.onOfferings(embedded, 'embedded');
  let state = {
    offerings: embedded,
    source: 'embedded' as PriceDataSource,
    dataTime: newestObservedAt(embedded, now()),
  };
  const ageSeconds = () => Math.max(0, (now() - state.dataTime) / 1000);

  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<boolean> | undefined;
  let failures = 0;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (o.signal.aborted) return;
    // unref: a pending refresh alone must not keep a finished process alive.
    timer = setTimeout(() => void refresh(), ms).unref();
  };

  const refresh = (): Promise<boolean> => {
    inFlight ??= fetchOnce().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };

  const fetchOnce = async (): Promise<boolean> => {
    if (o.signal.aborted) return false;
    const started = now();
    try {
      const signal = AbortSignal.any([o.signal, AbortSignal.timeout(fetchTimeoutMs)]);
      const offerings = await o.adapter.fetch(signal);
      if (o.signal.aborted) return false;
      if (offerings.length === 0) throw new Error(`the ${cloud} adapter returned no offerings`);
      o.onOfferings(offerings, 'live');
      state = { offerings, source: 'live', dataTime: newestObservedAt(offerings, now()) };
      failures = 0;
      o.log.info({ cloud, offerings: offerings.length, ms: now() - started }, 'live prices in use');
      schedule(intervalMs);
      return true;
    } catch (err) {
      if (o.signal.aborted) return false;
      failures++;
      const wait = retryDelay(failures, retryMs, intervalMs);
      o.log.warn(
        {
          cloud,
          err: err instanceof Error ? err.message : String(err),
          failures,
          keeping: state.source,
          ageSeconds: Math.round(ageSeconds()),
          retryInMs: wait,
        },
        'price refresh failed; keeping the prices in use',
      );
      schedule(wait);
      return false;
    }
  };

  o.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  schedule(0);

  return {
    current: () => state,
    ageSeconds,
    refreshNow: refresh,
  };
}
