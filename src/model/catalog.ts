import type { CapacityType, Cloud, Offering } from './offering.ts';

/** Where a catalog file's numbers came from (a public repository at a commit). */
export interface CatalogSource {
  repo: string;
  commit: string;
  path: string;
  license: string;
  /** ISO-8601 date of the data itself (generation time or the file's last commit). */
  dataDate: string;
  note?: string;
}

/** One price table of the catalog: a cloud, a region and a capacity type. */
export interface CatalogTable {
  file: string;
  cloud: Cloud;
  region: string;
  capacityType: CapacityType;
  /** Serverless tables hold one platform each; this names it. */
  instanceType?: string;
  /** A serverless table's platform family (e.g. `fargate`), as a provider's reach names it. */
  family?: string;
  /** ISO-8601 time the prices were observed (the source's own date). */
  observedAt: string;
  origin: string;
  estimated: boolean;
  /** Offerings this table expands to. */
  count: number;
}

/** What one data file says about itself. */
export interface CatalogFileInfo {
  file: string;
  sources: CatalogSource[];
  notes: string[];
  /** Public pages each serverless rate or limit was taken from (serverless file only). */
  citations?: Record<string, string[]>;
  /** What the builder left out and why: reason -> instance types (or regions). */
  skipped?: Record<string, string[]>;
}

export interface CatalogMetadata {
  /** The directory the data files were read from. */
  dir: string;
  files: CatalogFileInfo[];
  /** Only the tables that were expanded (the requested clouds and regions). */
  tables: CatalogTable[];
}

/** The embedded, offline catalog: every offering the engine may choose from. */
export interface Catalog {
  offerings: Offering[];
  metadata: CatalogMetadata;
}
