import type { Claim, Instance } from '../src/model/index.ts';

/**
 * What one batched cloud call answered, per claim: its machine, or why it got
 * none (a CapacityError when the cloud had too few of the offering).
 */
export type BatchOutcome = ReadonlyMap<string, Instance | Error>;

export interface LaunchBatchOptions {
  /** Claims with the same key can go out in one cloud call (same offering, zone, image and disk). */
  keyOf(claim: Claim): string;
  /**
   * One cloud call for every claim of a batch, still one machine per claim.
   * Runs to its end even when a waiter gives up: a machine launched for a
   * claim is always tagged for it, so the claim's next launch finds it.
   * Aborted only when the provider closes.
   */
  launchMany(claims: readonly Claim[], signal: AbortSignal): Promise<BatchOutcome>;
  /** How long the first claim of a batch waits for others. Default 100 ms. */
  windowMs?: number;
  /** The largest batch; a full batch goes out at once. Default 50. */
  maxSize?: number;
  /** Aborted when the provider closes. */
  closing: AbortSignal;
}

export interface LaunchBatches {
  launch(claim: Claim, signal: AbortSignal): Promise<Instance>;
}

interface Waiter {
  claim: Claim;
  resolve(instance: Instance): void;
  reject(err: unknown): void;
}

interface Forming {
  waiters: Waiter[];
  timer: ReturnType<typeof setTimeout>;
}

/**
 * Gathers the launches of one launch specification that arrive within a short
 * window into one cloud call (EC2 CreateFleet, GCE bulkInsert), so a burst
 * spends one request token per batch instead of one per pod. The window
 * starts with the first claim, so a lone pod waits at most `windowMs`.
 */
export function launchBatches(options: LaunchBatchOptions): LaunchBatches {
  const windowMs = options.windowMs ?? 100;
  const maxSize = options.maxSize ?? 50;
  const forming = new Map<string, Forming>();

  function flush(key: string): void {
    const batch = forming.get(key);
    if (!batch) return;
    forming.delete(key);
    clearTimeout(batch.timer);
    const waiters = batch.waiters;
    options
      .launchMany(
        waiters.map((w) => w.claim),
        options.closing,
      )
      .then(
        (outcome) => {
          for (const w of waiters) {
            const got = outcome.get(w.claim.id);
            if (got === undefined) {
              w.reject(new Error(`the batched launch answered nothing for claim ${w.claim.id}`));
            } else if (got instanceof Error) w.reject(got);
            else w.resolve(got);
          }
        },
        (err: unknown) => {
          for (const w of waiters) w.reject(err);
        },
      );
  }

  return {
    launch(claim, signal) {
      signal.throwIfAborted();
      options.closing.throwIfAborted();
      return new Promise<Instance>((resolve, reject) => {
        const key = options.keyOf(claim);
        let batch = forming.get(key);
        if (!batch) {
          batch = { waiters: [], timer: setTimeout(() => flush(key), windowMs) };
          forming.set(key, batch);
        }
        // A waiter that gives up stops waiting; its machine is still launched and tagged for its claim.
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        batch.waiters.push({
          claim,
          resolve: (i) => {
            signal.removeEventListener('abort', onAbort);
            resolve(i);
          },
          reject: (e) => {
            signal.removeEventListener('abort', onAbort);
            reject(e);
          },
        });
        if (batch.waiters.length >= maxSize) flush(key);
      });
    },
  };
}

/**
 * The launch specification of a claim: what one batched call's machines
 * share (offering: cloud, region, zone, machine type, capacity type; root
 * disk; maxPods). Claims with the same key can go out together.
 */
export function launchSpecKey(claim: Claim): string {
  const o = claim.offering;
  return JSON.stringify([o.id, o.zone ?? '', claim.node?.rootVolumeGiB ?? '', claim.node?.maxPods ?? '']);
}
