import type { CapacityType, Cloud, PriceSource } from './offering.ts';

/**
 * One stretch of paid machine time for one pod: from the launch of its
 * machine to its termination. It is recorded open (no `end`) once the
 * machine is launched and closed at teardown, so a controller that crashes in
 * between loses nothing. Prices are copied in at placement time, so a report
 * never depends on today's price list.
 */
export interface CostInterval {
  /** The Berth's `namespace/name`. */
  berth: string;
  pod: { namespace: string; name: string; uid: string };
  /** The pod's labels, for cost by label. */
  labels: Readonly<Record<string, string>>;
  offeringId: string;
  cloud: Cloud;
  region: string;
  zone?: string;
  instanceType: string;
  capacityType: CapacityType;
  /** USD/h paid. */
  pricePerHour: number;
  /** USD/h of the on-demand twin, for savings; absent means the price paid was on-demand. */
  onDemandPricePerHour?: number;
  /** RFC 3339. */
  start: string;
  /** RFC 3339, not before `start`; absent while the machine still runs (reports count it up to now). */
  end?: string;
  /** Why the interval ended (e.g. `pod-succeeded`, `spot-interruption`). */
  reason?: string;
  /** The machine's size (cpu in millicores), for the cpu/ram/gpu split and the static-pool baseline; absent when unknown. */
  machine?: { cpu: number; memoryMiB: number; gpus?: number };
  /** The pod's controlling owner as `Kind/name` (e.g. `Job/build`), when it has one. */
  controller?: string;
  /** Where the price came from, as placed. */
  priceSource?: PriceSource;
}

export interface CostLedgerFilter {
  namespace?: string;
  /** RFC 3339: only intervals that end after this. */
  since?: string;
  /** RFC 3339: only intervals that start before this. */
  until?: string;
}

/**
 * Where cost intervals are kept: in memory, in a SQLite file or in
 * PostgreSQL. Small on purpose, so every backend satisfies the same contract
 * tests.
 */
export interface CostLedger {
  /**
   * Idempotent on (berth, pod uid, start). A closed interval replaces what is
   * kept under its key, so a retried teardown never counts a machine twice;
   * an open one (no `end`) is kept only when nothing is, so a late or
   * repeated launch step never reopens a closed interval.
   */
  record(interval: CostInterval): Promise<void>;
  /** Intervals overlapping the filter's window, whole (not clipped), open ones included, oldest first. */
  list(filter?: CostLedgerFilter): Promise<CostInterval[]>;
  /**
   * Retention: closed intervals that ended before `before` (RFC 3339) are
   * summed into daily per-namespace rows and dropped. Returns how many were
   * rolled up. Idempotent: rolled-up intervals are gone, so nothing is added twice.
   */
  rollUp(before: string): Promise<number>;
  /** Daily rows (from rollUp) whose day overlaps the filter's window, oldest first. */
  daily(filter?: CostLedgerFilter): Promise<CostDailyRow[]>;
  /** Releases the file or connections; the ledger is not used after. */
  close(): Promise<void>;
}

/** What retention keeps of old intervals: one row per UTC day (of the interval's start), namespace and capacity type. */
export interface CostDailyRow {
  /** YYYY-MM-DD (UTC). */
  day: string;
  namespace: string;
  capacityType: CapacityType;
  /** Intervals summed into the row. */
  intervals: number;
  /** Billed machine-hours. */
  hours: number;
  /** USD paid. */
  cost: number;
  /** USD the same hours would have cost on demand. */
  onDemandCost: number;
}

/**
 * How a cost report groups intervals: by namespace, pod (`namespace/name`),
 * the pod's controller (`Kind/name`), instance type, capacity type or one pod
 * label. Several at once make one row per combination.
 */
export type CostGroupBy =
  | 'namespace'
  | 'pod'
  | 'controller'
  | 'instance-type'
  | 'capacity-type'
  | { label: string };

export interface CostReportRow {
  /** The group's values joined by `/`; `__unallocated__` for pods without the grouping label or controller. */
  key: string;
  /** Each grouping's value, by its name (`namespace`, `label:team`, ...). */
  properties: Record<string, string>;
  /** RFC 3339: the first and last moment of machine time in the window. */
  start?: string;
  end?: string;
  /** Machine-minutes in the window. */
  minutes: number;
  /** The cost split into its parts (see split.ts); they add up to `cost`. */
  cpuCost: number;
  ramCost: number;
  gpuCost: number;
  capacityTypes: CapacityType[];
  /** Where the prices came from (`embedded: …`, `live: …`). */
  priceSources: string[];
  /** Distinct pods (by uid) in the group. */
  pods: number;
  /** Billed machine-hours. */
  hours: number;
  /** USD paid. */
  cost: number;
  /** USD the same hours would have cost on demand. */
  onDemandCost: number;
  /** onDemandCost - cost (negative when the choice cost more than on-demand). */
  savings: number;
  /** savings as a percentage of onDemandCost; 0 when onDemandCost is 0. */
  savingsPct: number;
}

/**
 * What the same work would have cost on a static node pool: see
 * staticPoolBaseline (src/cost/baseline.ts) for the definition.
 */
export interface StaticPoolBaseline {
  /** One node group for the GPU machines' demand, one for the rest (either absent when it had none). */
  pools: StaticPool[];
  hours: number;
  /** USD for all pools over the window. */
  cost: number;
}

export interface StaticPool {
  kind: 'gpu' | 'general';
  instanceType: string;
  nodes: number;
  /** USD/h of one node, on demand. */
  pricePerHour: number;
  /** The window's peak concurrent demand the pool is sized for. */
  peak: { cpu: number; memoryMiB: number; gpus: number };
}

export interface CostReport {
  groupBy: CostGroupBy[];
  /** RFC 3339; intervals are clipped to it. Absent: everything, unclipped. */
  window?: { start: string; end: string };
  /** Most expensive first. */
  rows: CostReportRow[];
  /** Sum of the rows; `pods` counts each pod once even if it appears in several rows. */
  total: CostReportRow;
  /** Absent when no machine of a known size and on-demand price ran in the window. */
  staticPool?: StaticPoolBaseline & { savings: number; savingsPct: number };
}
