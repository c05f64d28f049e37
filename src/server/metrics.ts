import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The controller's Prometheus metrics, on a registry of its own (several controllers may share a process in tests). */
export function createMetrics() {
  const registry = new Registry();
  // Unprefixed, as every Prometheus client names them (process_*, nodejs_*), so stock dashboards work.
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    decisionSeconds: new Histogram({
      name: 'berth_decision_duration_seconds',
      help: 'Time to right-size a pod and pick its offering',
      buckets: [0.00001, 0.00005, 0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    pendingToBoundSeconds: new Histogram({
      name: 'berth_pending_to_bound_seconds',
      help: 'From pod creation to the pod being bound to its own node',
      buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    nodes: new Gauge({
      name: 'berth_nodes',
      help: 'Nodes berth runs now, by capacity type',
      labelNames: ['capacity_type'],
      registers: [registry],
    }),
    pricePerHour: new Gauge({
      // Unit last (Prometheus naming): a price per hour, in dollars.
      name: 'berth_nodes_hourly_price_dollars',
      help: 'Sum of the hourly price of the nodes berth runs now, by capacity type',
      labelNames: ['capacity_type'],
      registers: [registry],
    }),
    launchFailures: new Counter({
      name: 'berth_launch_failures_total',
      help: 'Launches that failed, by reason (insufficient-capacity, quota, spot-limit, unsupported, not-ready, error)',
      labelNames: ['reason'],
      registers: [registry],
    }),
    noFit: new Counter({
      name: 'berth_unplaceable_pods_total',
      help: 'Decisions where no offering fitted the pod and its policy',
      registers: [registry],
    }),
    catalogAgeSeconds: new Gauge({
      name: 'berth_catalog_age_seconds',
      help: 'Age of the oldest price data in use, by cloud and capacity type',
      labelNames: ['cloud', 'capacity_type'],
      registers: [registry],
    }),
    apiWrites: new Counter({
      name: 'berth_api_writes_total',
      help: 'Writes the controller made to the API server, by verb and resource',
      labelNames: ['verb', 'resource'],
      registers: [registry],
    }),
    costTotal: new Counter({
      name: 'berth_cost_dollars_total',
      help: 'USD spent on berth machines, by namespace and capacity type: running machines accrue at each scrape, a closed one adds its billed remainder',
      labelNames: ['namespace', 'capacity_type'],
      registers: [registry],
    }),
    hourlyCost: new Gauge({
      name: 'berth_hourly_cost_dollars',
      help: "Hourly price of the berth machines running now, by namespace and capacity type (the ledger's open intervals)",
      labelNames: ['namespace', 'capacity_type'],
      registers: [registry],
    }),
    admissions: new Histogram({
      name: 'berth_webhook_admission_duration_seconds',
      help: 'Time to answer one admission request, by outcome (placed, skipped, warned)',
      labelNames: ['outcome'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05],
      registers: [registry],
    }),
    isLeader: new Gauge({
      name: 'berth_leader',
      help: '1 when this replica holds the leader lease',
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
