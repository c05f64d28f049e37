/**
 * Kubernetes Events on the objects berth acts for (core v1, so `kubectl
 * describe pod` lists them). An event is a courtesy to the person reading:
 * failing to record one never fails reconciliation, it is only logged.
 * Repeats of the same event on the same object bump its count, as
 * client-go's recorder does, instead of piling up new objects.
 */
import { hostname } from 'node:os';
import { CoreV1Api, type KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { describeError } from './api-errors.ts';
import { defaultLogger, type Logger } from './log.ts';

export const REPORTING_COMPONENT = 'berth';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** Identical events closer together than this are folded into one. */
const FOLD_WINDOW_MS = 10 * 60_000;
const MAX_REMEMBERED = 4096;

export interface EventInput {
  regarding: { kind: string; namespace?: string; name: string; uid?: string; apiVersion?: string };
  type: 'Normal' | 'Warning';
  /** UpperCamelCase, machine-readable, e.g. `Launched`, `Bound`, `NoOffering`. */
  reason: string;
  /** What happened, for a person. */
  note: string;
  /** What berth did or tried, e.g. `Launch`, `Bind`, `Teardown`. */
  action: string;
}

interface Folded {
  name: string;
  namespace: string;
  count: number;
  at: number;
}

export interface EventRecorder {
  /** Records the event; resolves when written or when writing failed (logged). */
  record(event: EventInput): Promise<void>;
}

/** A recorder with its own memory of recent events, so repeats are counted rather than duplicated. */
export function createEventRecorder(
  kc: KubeConfig,
  options: { logger?: Logger; instance?: string; now?: () => number } = {},
): EventRecorder {
  const core = kc.makeApiClient(CoreV1Api);
  const logger = options.logger ?? defaultLogger;
  const instance = options.instance ?? `${hostname()}-${process.pid}`;
  const now = options.now ?? Date.now;
  const recent = new Map<string, Folded>();

  return {
    async record(ev) {
      // Cluster-scoped objects (nodes) keep their events in `default`, as kubelet does.
      const namespace = ev.regarding.namespace || 'default';
      const key = [
        namespace,
        ev.regarding.kind,
        ev.regarding.name,
        ev.regarding.uid,
        ev.type,
        ev.reason,
        ev.note,
      ].join('\u0000');
      const t = now();
      const stamp = new Date(t);
      try {
        const seen = recent.get(key);
        if (seen && t - seen.at < FOLD_WINDOW_MS) {
          try {
            await core.patchNamespacedEvent(
              {
                name: seen.name,
                namespace: seen.namespace,
                body: { count: seen.count + 1, lastTimestamp: stamp.toISOString() },
              },
              MERGE_PATCH,
            );
            seen.count += 1;
            seen.at = t;
            return;
          } catch {
            // The event expired or was deleted: write a new one below.
            recent.delete(key);
          }
        }
        const name = `${ev.regarding.name}.${t.toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`;
        await core.createNamespacedEvent({
          namespace,
          body: {
            metadata: { name, namespace },
            involvedObject: {
              kind: ev.regarding.kind,
              namespace: ev.regarding.namespace,
              name: ev.regarding.name,
              uid: ev.regarding.uid,
              apiVersion: ev.regarding.apiVersion,
            },
            type: ev.type,
            reason: ev.reason,
            message: ev.note,
            action: ev.action,
            count: 1,
            firstTimestamp: stamp,
            lastTimestamp: stamp,
            source: { component: REPORTING_COMPONENT },
            reportingComponent: REPORTING_COMPONENT,
            reportingInstance: instance,
          },
        });
        if (recent.size >= MAX_REMEMBERED) recent.clear();
        recent.set(key, { name, namespace, count: 1, at: t });
      } catch (err) {
        logger.warn(
          { regarding: ev.regarding, reason: ev.reason, err: describeError(err) },
          'could not record event',
        );
      }
    },
  };
}

const recorders = new WeakMap<KubeConfig, EventRecorder>();

/** Records an event with a recorder shared per KubeConfig; never throws. */
export function recordEvent(kc: KubeConfig, event: EventInput): Promise<void> {
  let recorder = recorders.get(kc);
  if (!recorder) {
    try {
      recorder = createEventRecorder(kc);
    } catch (err) {
      defaultLogger.warn({ regarding: event.regarding, err: describeError(err) }, 'could not record event');
      return Promise.resolve();
    }
    recorders.set(kc, recorder);
  }
  return recorder.record(event);
}
