import { describe, expect, it } from 'vitest';
import { backoff, MAX_RETRY_DELAY_MS, WorkQueue } from '../../../src/controller/work-queue.ts';
import { UnavailableOfferings } from '../../../src/controller/unavailable.ts';

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));

describe('WorkQueue', () => {
  it('processes a key queued many times once, and never runs one key twice at once', async () => {
    const calls: string[] = [];
    let concurrentSameKey = 0;
    const running = new Set<string>();
    const q = new WorkQueue(
      async (key) => {
        if (running.has(key)) concurrentSameKey += 1;
        running.add(key);
        calls.push(key);
        await tick(20);
        running.delete(key);
      },
      { concurrency: 4 },
      new AbortController().signal,
    );
    q.add('a');
    q.add('a');
    q.add('b');
    await tick(2);
    q.add('a'); // arrives while 'a' runs: runs once more afterwards
    await q.idle();
    await tick(50);
    await q.idle();
    expect(calls.filter((k) => k === 'a')).toHaveLength(2);
    expect(calls.filter((k) => k === 'b')).toHaveLength(1);
    expect(concurrentSameKey).toBe(0);
  });

  it('bounds concurrency', async () => {
    let active = 0;
    let peak = 0;
    const q = new WorkQueue(
      async () => {
        active += 1;
        peak = Math.max(peak, active);
        await tick(10);
        active -= 1;
      },
      { concurrency: 3 },
      new AbortController().signal,
    );
    for (let i = 0; i < 20; i++) q.add(`k${i}`);
    await q.idle();
    expect(peak).toBe(3);
  });

  it('retries a failing key with backoff until it succeeds', async () => {
    let attempts = 0;
    const errors: string[] = [];
    const q = new WorkQueue(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error('boom');
      },
      { concurrency: 1, baseDelayMs: 5 },
      new AbortController().signal,
      (key) => errors.push(key),
    );
    q.add('x');
    for (let i = 0; i < 50 && attempts < 3; i++) await tick(5);
    expect(attempts).toBe(3);
    expect(errors).toEqual(['x', 'x']);
  });

  it('retries a failure after its backoff even while a long check-later is pending for the key', async () => {
    let attempts = 0;
    const q = new WorkQueue(
      async () => {
        attempts += 1;
        if (attempts === 1) throw new Error('API server unreachable');
      },
      { concurrency: 1, baseDelayMs: 5 },
      new AbortController().signal,
    );
    // e.g. the reconciler's ready timeout, minutes away
    q.addAfter('x', 60_000);
    q.add('x');
    for (let i = 0; i < 50 && attempts < 2; i++) await tick(5);
    expect(attempts).toBe(2);
    q.stop();
  });

  it('caps the retry delay at a few seconds by default', () => {
    expect(MAX_RETRY_DELAY_MS).toBeLessThanOrEqual(5_000);
    expect(backoff(30, 200, MAX_RETRY_DELAY_MS)).toBe(MAX_RETRY_DELAY_MS);
  });

  it('backoff doubles up to its ceiling', () => {
    expect([1, 2, 3, 4].map((n) => backoff(n, 100, 500))).toEqual([100, 200, 400, 500]);
  });
});

describe('UnavailableOfferings', () => {
  it('keeps an offering out until its time runs out', () => {
    let now = 1000;
    const u = new UnavailableOfferings(60_000, () => now);
    u.mark('a');
    expect(u.has('a')).toBe(true);
    expect([...u.snapshot()]).toEqual(['a']);
    now += 60_001;
    expect(u.has('a')).toBe(false);
    expect(u.snapshot().size).toBe(0);
  });
});

describe('WorkQueue paused at start', () => {
  it('collects keys without handing them out until resumed', async () => {
    const seen: string[] = [];
    const q = new WorkQueue(
      async (key) => {
        seen.push(key);
      },
      { concurrency: 2 },
      new AbortController().signal,
      () => {},
      true,
    );
    q.add('a');
    q.add('b');
    await tick(10);
    expect(seen).toEqual([]);
    q.resume();
    await q.idle();
    expect(seen.sort()).toEqual(['a', 'b']);
  });
});
