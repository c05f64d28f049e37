import type { InterruptionNotice } from '../../src/model/index.ts';

/**
 * Spot interruptions as a cloud delivers them: a notice to every subscriber
 * now, and for a spot interruption the machine taken back at the deadline
 * whether or not anyone reacted. A rebalance recommendation is only advice,
 * so nothing is taken back.
 */
export interface Interruptions {
  subscribe(handler: (notice: InterruptionNotice) => void): () => void;
  /** Announces the interruption; a second call for the same instance keeps the first deadline. */
  announce(instanceId: string, nodeName: string, kind: InterruptionNotice['kind']): InterruptionNotice;
  /** Forget a pending reclaim (the instance was terminated some other way). */
  cancel(instanceId: string): void;
  /** Stop every pending reclaim. */
  close(): void;
}

export function createInterruptions(opts: {
  graceMs: number;
  reclaim: (instanceId: string) => Promise<void>;
  onError: (err: unknown) => void;
  now?: () => number;
}): Interruptions {
  const handlers = new Set<(notice: InterruptionNotice) => void>();
  const pending = new Map<string, { notice: InterruptionNotice; timer: NodeJS.Timeout }>();
  const now = opts.now ?? Date.now;

  const deliver = (notice: InterruptionNotice): void => {
    for (const handler of [...handlers]) {
      // One failing subscriber must not keep the notice from the others.
      try {
        handler(notice);
      } catch (err) {
        opts.onError(err);
      }
    }
  };

  return {
    subscribe(handler) {
      handlers.add(handler);
      return () => {
        handlers.delete(handler);
      };
    },
    announce(instanceId, nodeName, kind) {
      const existing = pending.get(instanceId);
      const notice: InterruptionNotice = {
        instanceId,
        nodeName,
        kind,
        deadline: existing?.notice.deadline ?? new Date(now() + opts.graceMs).toISOString(),
      };
      if (kind === 'spot-interruption' && !existing) {
        const timer = setTimeout(() => {
          pending.delete(instanceId);
          opts.reclaim(instanceId).catch(opts.onError);
        }, opts.graceMs);
        // A pending reclaim alone should not keep a finished process alive.
        timer.unref();
        pending.set(instanceId, { notice, timer });
      }
      deliver(notice);
      return notice;
    },
    cancel(instanceId) {
      const p = pending.get(instanceId);
      if (p) clearTimeout(p.timer);
      pending.delete(instanceId);
    },
    close() {
      for (const p of pending.values()) clearTimeout(p.timer);
      pending.clear();
    },
  };
}
