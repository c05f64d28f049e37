import { setTimeout as delay } from 'node:timers/promises';
import type { QueueClient } from '@azure/storage-queue';
import type { InterruptionNotice } from '../../src/model/index.ts';
import { parseEvictionMessage } from './eviction-events.ts';

export interface EvictionQueueOptions {
  queue: QueueClient;
  /** Between receives when the queue was empty (Storage Queues have no long poll). */
  intervalMs: number;
  /** The node name of one of our VMs, or undefined when the VM isn't ours. */
  nodeNameOf: (vmName: string) => Promise<string | undefined>;
  deliver: (notice: InterruptionNotice) => void;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

export interface EvictionQueue {
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * Reads the Storage Queue Event Grid fills and hands each eviction of one of
 * our VMs to `deliver`. Handled, foreign and malformed messages are deleted
 * (the queue is berth's alone); one whose VM could not be looked up stays
 * and comes back after its visibility timeout.
 */
export function startEvictionQueue(o: EvictionQueueOptions): EvictionQueue {
  const stopping = new AbortController();
  const done = poll().catch((err: unknown) => {
    if (!stopping.signal.aborted) o.warn('eviction queue polling stopped', { err: String(err) });
  });

  async function handle(text: string, id: string): Promise<boolean> {
    const event = parseEvictionMessage(text);
    if (event.kind === 'malformed') {
      o.warn('skipping a malformed eviction message', { reason: event.reason, messageId: id });
      return true;
    }
    if (event.kind === 'ignored') return true;
    const nodeName = await o.nodeNameOf(event.vmName);
    if (nodeName)
      o.deliver({ instanceId: event.vmName, nodeName, kind: 'spot-interruption', deadline: event.deadline });
    return true;
  }

  async function poll(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let messages: { messageId: string; popReceipt: string; messageText: string }[];
      try {
        const out = await o.queue.receiveMessages({
          numberOfMessages: 32,
          visibilityTimeout: 30,
          abortSignal: stopping.signal,
        });
        messages = out.receivedMessageItems;
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted) return;
        failures++;
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 10));
        o.warn('cannot receive from the eviction queue; retrying', { err: String(err), retryInMs: backoff });
        await delay(backoff, undefined, { signal: stopping.signal }).catch(() => undefined);
        continue;
      }
      for (const m of messages) {
        let handled = false;
        try {
          handled = await handle(m.messageText, m.messageId);
        } catch (err) {
          o.warn('cannot handle an eviction message yet; it will be received again', {
            messageId: m.messageId,
            err: String(err),
          });
        }
        if (!handled) continue;
        try {
          await o.queue.deleteMessage(m.messageId, m.popReceipt);
        } catch (err) {
          o.warn('cannot delete a handled eviction message', { messageId: m.messageId, err: String(err) });
        }
      }
      if (messages.length === 0) {
        await delay(o.intervalMs, undefined, { signal: stopping.signal }).catch(() => undefined);
      }
    }
  }

  return {
    async stop() {
      stopping.abort();
      await done;
    },
  };
}
