import type { InterruptionNotice } from '../../src/model/index.ts';

/**
 * Compute Engine records each spot preemption as a zone operation of type
 * `compute.instances.preempted` on the VM (its documented signal outside the
 * VM). This watch reads them per zone and turns each new one on a VM of ours
 * into an interruption notice, which drives the controller's interruption
 * path. With `instanceTerminationAction: DELETE` the VM is already going:
 * the deadline is now.
 */
export const PREEMPTED = 'compute.instances.preempted';

export interface PreemptedOperation {
  name?: string | null;
  targetLink?: string | null;
  insertTime?: string | null;
  zone?: string | null;
}

export function startPreemptionWatch(o: {
  zones: readonly string[];
  intervalMs: number;
  listPreempted: (zone: string, filter: string) => Promise<PreemptedOperation[]>;
  isOurs: (vmName: string) => boolean;
  deliver: (notice: InterruptionNotice) => void;
  warn: (message: string, fields?: Record<string, unknown>) => void;
}): { stop(): Promise<void> } {
  const seen = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function pass(): Promise<void> {
    for (const zone of o.zones) {
      const ops = await o.listPreempted(zone, `operationType = "${PREEMPTED}"`);
      for (const op of ops) {
        const key = `${zone}/${op.name}`;
        const name = (op.targetLink ?? '').split('/').pop() ?? '';
        if (seen.has(key) || !name || !o.isOurs(name)) continue;
        seen.add(key);
        o.deliver({
          instanceId: `${zone}/${name}`,
          nodeName: name,
          kind: 'spot-interruption',
          deadline: new Date().toISOString(),
        });
      }
    }
  }

  const tick = () => {
    running = pass()
      .catch((err: unknown) => o.warn('reading preemptions failed; trying again', { err: String(err) }))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
