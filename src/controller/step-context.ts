import type { V1Pod } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BerthObject, CostLedger, Instance, NodeProvider, Policy } from '../model/index.ts';
import type { PlacementEngine } from '../placement/engine.ts';
import type { ControllerMetrics } from './metrics.ts';
import type { ClusterView, ClusterWriter } from './ports.ts';
import type { UnavailableOfferings } from './unavailable.ts';

export interface ReconcilerOptions {
  /** Labels every Berth, so each installation (scheduler name) watches only its own. */
  owner: string;
  /** A node not Ready this long after its launch is given up and replaced. */
  readyTimeoutMs: number;
}

export interface ReconcilerDeps {
  view: ClusterView;
  writer: ClusterWriter;
  provider: NodeProvider;
  ledger: CostLedger;
  engine: PlacementEngine;
  unavailable: UnavailableOfferings;
  resolvePolicy: (pod: V1Pod) => Policy;
  metrics: ControllerMetrics;
  log: Logger;
  /** Queue the key again after a delay (timeouts, waiting on a launch). */
  requeueAfter: (key: string, ms: number) => void;
  requeue: (key: string) => void;
  options: ReconcilerOptions;
}

/** A launch runs outside the worker that started it, so a slow boot never holds a worker. */
export interface Launch {
  claimId: string;
  abort: AbortController;
  done: boolean;
  instance?: Instance;
  error?: unknown;
}

/** What every lifecycle step works with: the reconciler's dependencies and its in-memory state. */
export interface StepContext extends ReconcilerDeps {
  /** Launches in flight or finished but not yet seen through, by pod key. */
  readonly launches: Map<string, Launch>;
  /** Pods nothing fitted, retried when the catalog or a policy changes. */
  readonly unplaced: Set<string>;
  /** What was last reported for each pod whose Berth is malformed (whom, and the problem), so each is said once. */
  readonly malformed: Map<string, string>;
}

/** Launch attempts so far: each one names its own claim and node. */
export function attemptOf(berth: BerthObject): number {
  return berth.status?.attempts ?? 0;
}

export function now(): string {
  return new Date().toISOString();
}

export function podName(pod: V1Pod): string {
  return `${pod.metadata?.namespace}/${pod.metadata?.name}`;
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
