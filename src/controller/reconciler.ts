import type { V1Pod } from '@kubernetes/client-node';
import type { BerthObject } from '../model/index.ts';
import { bind, readyNode, recordBound } from './bind.ts';
import { decideAndRecord, redecide } from './decide.ts';
import { isPlatformPod } from './platform-pod.ts';
import { launch } from './launch.ts';
import { reportMalformed } from './malformed.ts';
import { type Step, nextStep } from './next-step.ts';
import type { Launch, ReconcilerDeps, StepContext } from './step-context.ts';
import { release, stillRunning, teardown } from './teardown.ts';

export type { ReconcilerDeps, ReconcilerOptions } from './step-context.ts';

/**
 * Drives one pod from pending to its own node and back to nothing. Each call
 * reads the caches, takes one step of `nextStep`, and returns; every write
 * is keyed by the Berth so repeating a step never buys a second machine.
 * Each step is a file of its own: decide.ts, launch.ts, bind.ts, teardown.ts,
 * and cost.ts for the intervals they record.
 */
export class Reconciler {
  private readonly launches = new Map<string, Launch>();
  /** Pods nothing fitted, retried when the catalog or a policy changes. */
  readonly unplaced = new Set<string>();

  private readonly ctx: StepContext;

  constructor(private readonly d: ReconcilerDeps) {
    this.ctx = { ...d, launches: this.launches, unplaced: this.unplaced, malformed: new Map() };
  }

  async reconcile(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const pod = this.d.view.pod(namespace, name);
    const problem = this.d.view.malformedBerth(namespace, name);
    if (problem !== undefined) return reportMalformed(this.ctx, key, pod, problem);
    this.ctx.malformed.delete(key);
    const berth = this.d.view.berth(namespace, name);
    const step = nextStep({
      pod,
      berth,
      readyNode: berth ? readyNode(this.ctx, berth) : undefined,
      platform: isPlatformPod(pod, this.d.options.owner),
    });
    if (step.kind === 'teardown' && !pod && berth && (await stillRunning(this.ctx, berth))) {
      // The cache lost sight of a pod the API server still runs: never take its machine for that.
      this.d.log.warn({ key }, 'pod missing from the cache but alive; waiting for the watch');
      this.d.requeueAfter(key, 1000);
      return;
    }
    if (step.kind !== 'nothing') this.d.log.debug({ key, step: step.kind }, 'reconcile');
    await this.act(key, step, pod, berth);
  }

  private async act(
    key: string,
    step: Step,
    pod: V1Pod | undefined,
    berth: BerthObject | undefined,
  ): Promise<void> {
    switch (step.kind) {
      case 'nothing':
        return;
      case 'decide':
        return decideAndRecord(this.ctx, key, pod!);
      case 'redecide':
        return redecide(this.ctx, key, pod!, berth!);
      case 'launch':
        return launch(this.ctx, key, pod!, berth!);
      case 'bind':
        return bind(this.ctx, pod!, berth!, step.nodeName);
      case 'record-bound':
        return recordBound(this.ctx, pod!, berth!, step.nodeName);
      case 'teardown':
        return teardown(this.ctx, key, pod, berth!);
      case 'release':
        return release(this.ctx, key, berth!, step.deleteBerth);
    }
  }
}

export function splitKey(key: string): [string, string] {
  const i = key.indexOf('/');
  return [key.slice(0, i), key.slice(i + 1)];
}
