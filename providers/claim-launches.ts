import type { Claim, Instance } from '../src/model/index.ts';

/**
 * The launches of one provider, keyed by claim, whatever the cloud: a repeat
 * of a launch in flight joins it instead of racing it, and closing the
 * provider aborts every launch and waits for them, so nothing a closed
 * provider started goes on calling the cloud.
 */
export interface ClaimLaunches {
  launch(claim: Claim, signal: AbortSignal): Promise<Instance>;
  /** Aborted by close: pass it to background calls that must stop with the provider. */
  readonly closing: AbortSignal;
  close(): Promise<void>;
}

export function claimLaunches(
  run: (claim: Claim, signal: AbortSignal) => Promise<Instance>,
  closedMessage: string,
): ClaimLaunches {
  const inFlight = new Map<string, Promise<Instance>>();
  const closing = new AbortController();
  return {
    closing: closing.signal,
    launch(claim, signal) {
      signal.throwIfAborted();
      closing.signal.throwIfAborted();
      const pending = inFlight.get(claim.id);
      if (pending) return pending;
      const p = run(claim, AbortSignal.any([signal, closing.signal])).finally(() =>
        inFlight.delete(claim.id),
      );
      inFlight.set(claim.id, p);
      return p;
    },
    async close() {
      closing.abort(new Error(closedMessage));
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}
