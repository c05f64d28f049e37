import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  newestObservedAt,
  type PriceDataSource,
  retryDelay,
  startPriceRefresh,
} from '../../../src/controller/price-refresh.ts';
import { type Offering, offeringId, type PricingAdapter } from '../../../src/model/index.ts';

function offering(instanceType: string, pricePerHour: number, observedAt: string, live = false): Offering {
  return {
    id: offeringId({ cloud: 'aws', region: 'us-east-1', instanceType, capacityType: 'on-demand' }),
    cloud: 'aws',
    region: 'us-east-1',
    instanceType,
    family: instanceType.split('.')[0] ?? instanceType,
    capacityType: 'on-demand',
    cpu: 2000,
    memoryMiB: 8192,
    arch: 'amd64',
    pricePerHour,
    source: {
      kind: live ? 'live' : 'embedded',
      origin: live ? 'aws price list api' : 'catalog',
      estimated: false,
    },
    observedAt,
  };
}

const EMBEDDED = [offering('m5.large', 0.096, '2026-01-01T00:00:00.000Z')];
const LIVE_1 = [offering('m5.large', 0.1, '2026-06-01T00:00:00.000Z', true)];
const LIVE_2 = [offering('m5.large', 0.11, '2026-06-02T00:00:00.000Z', true)];

/**
 * A test double of the PricingAdapter seam: each fetch takes the next scripted
 * outcome (a set of offerings, or an error), and records the signal it got.
 */
function scriptedAdapter(script: (Offering[] | Error)[]): PricingAdapter & { calls: AbortSignal[] } {
  const calls: AbortSignal[] = [];
  return {
    cloud: 'aws',
    calls,
    async fetch(signal) {
      calls.push(signal);
      const next = script.shift();
      if (next === undefined) throw new Error('script exhausted');
      if (next instanceof Error) throw next;
      return next;
    },
  };
}

function capturingLog() {
  const lines: { level: number; msg: string; err?: string; keeping?: PriceDataSource }[] = [];
  const log = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { log, lines };
}

function recorder() {
  const swaps: { offerings: readonly Offering[]; source: PriceDataSource }[] = [];
  return {
    swaps,
    onOfferings: (offerings: readonly Offering[], source: PriceDataSource) =>
      swaps.push({ offerings, source }),
  };
}

const controllers: AbortController[] = [];
function signal(): AbortController {
  const c = new AbortController();
  controllers.push(c);
  return c;
}
afterEach(() => {
  for (const c of controllers.splice(0)) c.abort();
  vi.useRealTimers();
});

describe('startPriceRefresh', () => {
  it('decides on the embedded catalog at once, before any fetch has answered', () => {
    const { swaps, onOfferings } = recorder();
    const adapter = scriptedAdapter([new Error('no network')]);
    const refresh = startPriceRefresh({
      adapter,
      fallback: () => EMBEDDED,
      onOfferings,
      log: capturingLog().log,
      signal: signal().signal,
    });
    expect(swaps).toEqual([{ offerings: EMBEDDED, source: 'embedded' }]);
    expect(refresh.current().source).toBe('embedded');
    // The fetch runs in the background, not inside the call.
    expect(adapter.calls).toHaveLength(0);
  });

  it('swaps the live set in, whole, when the background fetch succeeds', async () => {
    const { swaps, onOfferings } = recorder();
    const adapter = scriptedAdapter([LIVE_1]);
    const refresh = startPriceRefresh({
      adapter,
      fallback: () => EMBEDDED,
      onOfferings,
      log: capturingLog().log,
      signal: signal().signal,
    });
    await expect(refresh.refreshNow()).resolves.toBe(true);
    expect(adapter.calls).toHaveLength(1);
    expect(swaps.map((s) => s.source)).toEqual(['embedded', 'live']);
    expect(swaps[1]?.offerings).toBe(LIVE_1);
    expect(refresh.current()).toMatchObject({ source: 'live', offerings: LIVE_1 });
  });

  it('keeps the last good set when a refresh fails, and says why', async () => {
    const { swaps, onOfferings } = recorder();
    const { log, lines } = capturingLog();
    const adapter = scriptedAdapter([LIVE_1, new Error('pricing:GetProducts failed: ThrottlingException')]);
    const refresh = startPriceRefresh({
      adapter,
      fallback: () => EMBEDDED,
      onOfferings,
      log,
      signal: signal().signal,
    });
    expect(await refresh.refreshNow()).toBe(true);
    expect(await refresh.refreshNow()).toBe(false);
    expect(swaps.map((s) => s.source)).toEqual(['embedded', 'live']);
    expect(refresh.current().offerings).toBe(LIVE_1);
    const warn = lines.find((l) => l.level === 40);
    expect(warn?.msg).toMatch(/keeping the prices in use/);
    expect(warn?.err).toContain('ThrottlingException');
    expect(warn?.keeping).toBe('live');
  });

  it('treats an empty answer as a failure: no prices is never better than old prices', async () => {
    const { swaps, onOfferings } = recorder();
    const refresh = startPriceRefresh({
      adapter: scriptedAdapter([[]]),
      fallback: () => EMBEDDED,
      onOfferings,
      log: capturingLog().log,
      signal: signal().signal,
    });
    expect(await refresh.refreshNow()).toBe(false);
    expect(swaps).toHaveLength(1);
    expect(refresh.current().source).toBe('embedded');
  });

  it('runs one fetch at a time: a second refresh joins the one in flight', async () => {
    let release: (o: Offering[]) => void = () => {};
    let calls = 0;
    const adapter: PricingAdapter = {
      cloud: 'aws',
      fetch: () => {
        calls++;
        return new Promise<Offering[]>((resolve) => {
          release = resolve;
        });
      },
    };
    const refresh = startPriceRefresh({
      adapter,
      fallback: () => EMBEDDED,
      onOfferings: () => {},
      log: capturingLog().log,
      signal: signal().signal,
    });
    const a = refresh.refreshNow();
    const b = refresh.refreshNow();
    release(LIVE_1);
    expect(await Promise.all([a, b])).toEqual([true, true]);
    expect(calls).toBe(1);
  });

  it('retries a failed first fetch sooner than the interval, backing off, then refreshes on the interval', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const { swaps, onOfferings } = recorder();
    const adapter = scriptedAdapter([new Error('offline'), new Error('offline'), LIVE_1, LIVE_2]);
    startPriceRefresh({
      adapter,
      fallback: () => EMBEDDED,
      intervalMs: 60_000,
      retryMs: 1_000,
      onOfferings,
      log: capturingLog().log,
      signal: signal().signal,
    });
    await vi.advanceTimersByTimeAsync(0); // the first fetch: fails
    expect(adapter.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(adapter.calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1); // retry after 1 s: fails again
    expect(adapter.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1_999);
    expect(adapter.calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1); // then after 2 s: succeeds
    expect(adapter.calls).toHaveLength(3);
    expect(swaps.map((s) => s.source)).toEqual(['embedded', 'live']);
    await vi.advanceTimersByTimeAsync(59_999);
    expect(adapter.calls).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1); // the regular interval
    expect(adapter.calls).toHaveLength(4);
    expect(swaps.at(-1)?.offerings).toBe(LIVE_2);
  });

  it('reports the age of the prices in use: the embedded data date, then the live one', async () => {
    const now = Date.parse('2026-06-01T01:00:00.000Z');
    const refresh = startPriceRefresh({
      adapter: scriptedAdapter([LIVE_1]),
      fallback: () => EMBEDDED,
      onOfferings: () => {},
      log: capturingLog().log,
      signal: signal().signal,
      now: () => now,
    });
    expect(refresh.ageSeconds()).toBe((now - Date.parse('2026-01-01T00:00:00.000Z')) / 1000);
    await refresh.refreshNow();
    expect(refresh.ageSeconds()).toBe(3600);
  });

  it('stops with its signal: the fetch in flight is aborted and nothing swaps afterwards', async () => {
    const { swaps, onOfferings } = recorder();
    let seen: AbortSignal | undefined;
    const adapter: PricingAdapter = {
      cloud: 'aws',
      fetch: (s) => {
        seen = s;
        return new Promise<Offering[]>((_, reject) => s.addEventListener('abort', () => reject(s.reason)));
      },
    };
    const c = signal();
    const refresh = startPriceRefresh({
      adapter,
      fallback: () => EMBEDDED,
      onOfferings,
      log: capturingLog().log,
      signal: c.signal,
    });
    const pending = refresh.refreshNow();
    c.abort();
    expect(await pending).toBe(false);
    expect(seen?.aborted).toBe(true);
    expect(swaps).toHaveLength(1);
    expect(await refresh.refreshNow()).toBe(false);
  });

  it('fails at start, loudly, when even the embedded catalog cannot be read', () => {
    expect(() =>
      startPriceRefresh({
        adapter: scriptedAdapter([]),
        fallback: () => {
          throw new Error('catalog file not found');
        },
        onOfferings: () => {},
        log: capturingLog().log,
        signal: signal().signal,
      }),
    ).toThrow(/catalog file not found/);
  });
});

describe('price refresh helpers', () => {
  it('retry delay doubles from retryMs and never passes the interval', () => {
    expect([1, 2, 3, 4, 10].map((n) => retryDelay(n, 1000, 5000))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('the age of a set is its newest observedAt; an empty set is as new as the clock', () => {
    expect(newestObservedAt([...EMBEDDED, ...LIVE_1], 0)).toBe(Date.parse('2026-06-01T00:00:00.000Z'));
    expect(newestObservedAt([], 42)).toBe(42);
  });
});
