import type { Instance, InterruptionNotice } from './claim.ts';

/**
 * What every cloud provider does around a launch, whatever the cloud: one
 * launch per claim in flight in this process (a repeat waits for the first
 * rather than racing it), and none once the provider is closed (a call after
 * close would be a machine nobody waits for).
 */
export interface LaunchGate {
  launch(
    claimId: string,
    signal: AbortSignal,
    run: (signal: AbortSignal) => Promise<Instance>,
  ): Promise<Instance>;
  /** Aborted by close. */
  readonly closing: AbortSignal;
  /** Aborts every launch in flight and waits for them to settle. */
  close(reason: string): Promise<void>;
}

export function createLaunchGate(): LaunchGate {
  const inFlight = new Map<string, Promise<Instance>>();
  const closing = new AbortController();
  return {
    closing: closing.signal,
    launch(claimId, signal, run) {
      signal.throwIfAborted();
      closing.signal.throwIfAborted();
      const pending = inFlight.get(claimId);
      if (pending) return pending;
      const p = run(AbortSignal.any([signal, closing.signal])).finally(() => inFlight.delete(claimId));
      inFlight.set(claimId, p);
      return p;
    },
    async close(reason) {
      closing.abort(new Error(reason));
      await Promise.allSettled([...inFlight.values()]);
    },
  };
}

/** Interruption notices handed to every subscriber; one failing subscriber does not keep a notice from the others. */
export interface NoticeFanout {
  add(handler: (notice: InterruptionNotice) => void): () => void;
  deliver(notice: InterruptionNotice): void;
}

export function createNoticeFanout(
  warn: (message: string, fields?: Record<string, unknown>) => void,
): NoticeFanout {
  const handlers = new Set<(notice: InterruptionNotice) => void>();
  return {
    add(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    deliver(notice) {
      for (const handler of [...handlers]) {
        try {
          handler(notice);
        } catch (err) {
          warn('an interruption subscriber failed', { err: String(err), instance: notice.instanceId });
        }
      }
    },
  };
}
