import type { InterruptionNotice } from './claim.ts';

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
