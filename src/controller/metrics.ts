/**
 * What the controller reports, and nothing of how: the runtime hands it
 * Prometheus metrics (src/server/metrics.ts), a test may hand it anything
 * with these methods. Owned here so the controller never imports the server.
 */
export interface ControllerMetrics {
  /** Seconds to right-size a pod and pick its offering. */
  readonly decisionSeconds: Observer;
  /** Seconds from pod creation to the pod bound to its own node. */
  readonly pendingToBoundSeconds: Observer;
  /** Launches that failed, by reason (a CapacityError's reason, `not-ready`, `error`). */
  readonly launchFailures: { inc(labels: { reason: string }): void };
  /** Decisions where nothing fitted. */
  readonly noFit: { inc(): void };
  /** Nodes berth runs now, by capacity type. */
  readonly nodes: CapacityGauge;
  /** Dollars per hour of the nodes berth runs now, by capacity type. */
  readonly pricePerHour: CapacityGauge;
}

interface Observer {
  observe(value: number): void;
}

interface CapacityGauge {
  reset(): void;
  set(labels: { capacity_type: string }, value: number): void;
}
