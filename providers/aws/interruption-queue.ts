import { setTimeout as delay } from 'node:timers/promises';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { classifyAwsError, type InterruptionNotice } from '../../src/model/index.ts';
import { parseInterruptionEvent } from './interruption-events.ts';

export interface InterruptionQueueOptions {
  sqs: SQSClient;
  queueUrl: string;
  /** Long-poll wait per ReceiveMessage, 0-20 s (SQS's limit). */
  waitSeconds: number;
  /** The node name of one of our machines, or undefined when the instance isn't ours (or is gone). */
  nodeNameOf: (instanceId: string) => Promise<string | undefined>;
  deliver: (notice: InterruptionNotice) => void;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}

export interface InterruptionQueue {
  /** Stops polling; resolves once the poll in flight has ended. */
  stop(): Promise<void>;
}

const MAX_BACKOFF_MS = 30_000;
const MAX_BODY_IN_LOG = 300;

/**
 * Polls the queue EventBridge fills with EC2 interruption events and hands
 * each warning about one of our machines to `deliver`. A message is deleted
 * once it is handled, once it is known not to concern us, and also when it
 * is malformed (after a warning with its body): the queue is berth's alone,
 * and a message no one can read would otherwise come back forever. A message
 * whose instance could not be looked up stays, to be received again.
 */
export function startInterruptionQueue(o: InterruptionQueueOptions): InterruptionQueue {
  const stopping = new AbortController();
  const done = poll().catch((err: unknown) => {
    if (!stopping.signal.aborted) o.warn('interruption queue polling stopped', { err: String(err) });
  });

  async function handle(m: Message): Promise<boolean> {
    const event = parseInterruptionEvent(m.Body ?? '');
    if (event.kind === 'malformed') {
      o.warn('skipping a malformed interruption message', {
        reason: event.reason,
        messageId: m.MessageId,
        body: (m.Body ?? '').slice(0, MAX_BODY_IN_LOG),
      });
      return true;
    }
    if (event.kind === 'ignored') return true;
    const nodeName = await o.nodeNameOf(event.instanceId);
    if (nodeName !== undefined) {
      o.deliver({ instanceId: event.instanceId, nodeName, kind: event.notice, deadline: event.deadline });
    }
    return true;
  }

  async function poll(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        const out = await o.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: o.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: o.waitSeconds,
          }),
          { abortSignal: stopping.signal },
        );
        messages = out.Messages ?? [];
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted) return;
        failures += 1;
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(failures, 10));
        o.warn('cannot receive from the interruption queue; retrying', {
          err: classifyAwsError(err, 'sqs:ReceiveMessage').message,
          retryInMs: backoff,
        });
        await delay(backoff, undefined, { signal: stopping.signal }).catch(() => undefined);
        continue;
      }
      for (const m of messages) {
        let handled = false;
        try {
          handled = await handle(m);
        } catch (err) {
          o.warn('cannot handle an interruption message yet; it will be received again', {
            messageId: m.MessageId,
            err: String(err),
          });
        }
        if (!handled || !m.ReceiptHandle) continue;
        try {
          await o.sqs.send(
            new DeleteMessageCommand({ QueueUrl: o.queueUrl, ReceiptHandle: m.ReceiptHandle }),
          );
        } catch (err) {
          o.warn('cannot delete a handled interruption message', {
            messageId: m.MessageId,
            err: classifyAwsError(err, 'sqs:DeleteMessage').message,
          });
        }
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
