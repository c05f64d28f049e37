import type { CapacityType, Cloud } from './offering.ts';

/**
 * One stretch of paid machine time for one pod: from the launch of its
 * machine to its termination. Prices are copied in at placement time, so a
 * report never depends on today's price list.
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
  /** RFC 3339, not before `start`. */
  end: string;
  /** Why the interval ended (e.g. `pod-succeeded`, `spot-interruption`). */
  reason?: string;
}

export interface CostLedgerFilter {
  namespace?: string;
  /** RFC 3339: only intervals that end after this. */
  since?: string;
  /** RFC 3339: only intervals that start before this. */
  until?: string;
}

/**
 * Where closed cost intervals are kept. Small on purpose, so an in-memory and
 * a durable (SQLite) ledger can both satisfy it.
 */
export interface CostLedger {
  /**
   * Idempotent on (berth, pod uid, start): recording the same interval again
   * replaces it, so a retried teardown never counts a machine twice.
   */
  record(interval: CostInterval): Promise<void>;
  /** Intervals overlapping the filter's window, whole (not clipped), oldest first. */
  list(filter?: CostLedgerFilter): Promise<CostInterval[]>;
}

/** How a cost report groups intervals: by namespace, by pod (`namespace/name`) or by one pod label. */
export type CostGroupBy = 'namespace' | 'pod' | { label: string };

export interface CostReportRow {
  /** The group's value; `<none>` for pods without the grouping label. */
  key: string;
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

export interface CostReport {
  groupBy: CostGroupBy;
  /** Most expensive first. */
  rows: CostReportRow[];
  /** Sum of the rows; `pods` counts each pod once even if it appears in several rows. */
  total: CostReportRow;
}
