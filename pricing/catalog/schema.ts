import { type Static, Type as T } from '@sinclair/typebox';

/**
 * The format of the committed catalog files (aws.json, gcp.json, azure.json,
 * serverless.json). Compact on purpose: each machine shape is written once and
 * each region carries only `type -> price` rows, so the loader expands
 * offerings for the regions it is asked for and nothing else.
 */
export const CATALOG_FORMAT = 'berth.catalog/v1';

const IsoDate = T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}', description: 'ISO-8601 date or time' });
const Arch = T.Union([T.Literal('amd64'), T.Literal('arm64')]);
const CloudName = T.Union([T.Literal('aws'), T.Literal('gcp'), T.Literal('azure')]);

export const SourceRefSchema = T.Object(
  {
    repo: T.String({ minLength: 1 }),
    commit: T.String({ minLength: 7 }),
    path: T.String({ minLength: 1 }),
    license: T.String({ minLength: 1 }),
    dataDate: IsoDate,
    note: T.Optional(T.String()),
  },
  { additionalProperties: false },
);

export const GpuSchema = T.Object(
  {
    /** Fractional for partitioned GPUs (e.g. 0.125). */
    count: T.Number({ exclusiveMinimum: 0 }),
    model: T.String({ minLength: 1 }),
    /** Per whole GPU; 0 when the source does not say. */
    memoryMiB: T.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);

export const ShapeSchema = T.Object(
  {
    family: T.String({ minLength: 1 }),
    /** millicores */
    cpu: T.Integer({ minimum: 1 }),
    memoryMiB: T.Integer({ minimum: 1 }),
    arch: Arch,
    gpu: T.Optional(GpuSchema),
    maxPods: T.Optional(T.Integer({ minimum: 1 })),
    burstable: T.Optional(T.Boolean()),
    /** The shape was copied from a sibling size, not read from an API: its offerings are marked estimated. */
    derivedShape: T.Optional(T.Boolean()),
  },
  { additionalProperties: false },
);

export const BandSchema = T.Object(
  {
    index: T.Integer({ minimum: 0, maximum: 4 }),
    label: T.String({ minLength: 1 }),
    maxPct: T.Number({ exclusiveMinimum: 0, maximum: 100 }),
  },
  { additionalProperties: false },
);

export const PriceTableSchema = T.Object(
  {
    observedAt: IsoDate,
    origin: T.String({ minLength: 1 }),
    estimated: T.Boolean(),
    /** instance type -> USD per hour */
    prices: T.Record(T.String(), T.Number({ exclusiveMinimum: 0 })),
    /** instance type -> index into the file's `interruptionBands` (spot only, when known). */
    bands: T.Optional(T.Record(T.String(), T.Integer({ minimum: 0, maximum: 4 }))),
  },
  { additionalProperties: false },
);

export const RegionTablesSchema = T.Object(
  { 'on-demand': T.Optional(PriceTableSchema), spot: T.Optional(PriceTableSchema) },
  { additionalProperties: false },
);

export const CloudFileSchema = T.Object(
  {
    format: T.Literal(CATALOG_FORMAT),
    cloud: CloudName,
    sources: T.Array(SourceRefSchema, { minItems: 1 }),
    notes: T.Array(T.String()),
    skipped: T.Record(T.String(), T.Array(T.String())),
    interruptionBands: T.Optional(T.Array(BandSchema)),
    shapes: T.Record(T.String(), ShapeSchema),
    regions: T.Record(T.String(), RegionTablesSchema),
  },
  { additionalProperties: false },
);

export const ServerlessShapeRangeSchema = T.Object(
  {
    cpu: T.Integer({ minimum: 1 }),
    memoryMinMiB: T.Integer({ minimum: 1 }),
    memoryMaxMiB: T.Integer({ minimum: 1 }),
    memoryStepMiB: T.Integer({ minimum: 1 }),
  },
  { additionalProperties: false },
);

export const ServerlessEntrySchema = T.Object(
  {
    cloud: CloudName,
    region: T.String({ minLength: 1 }),
    instanceType: T.String({ minLength: 1 }),
    family: T.String({ minLength: 1 }),
    arch: Arch,
    perVcpuHour: T.Number({ exclusiveMinimum: 0 }),
    perGiBHour: T.Number({ exclusiveMinimum: 0 }),
    overhead: T.Object(
      { cpu: T.Integer({ minimum: 0 }), memoryMiB: T.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    shapes: T.Array(ServerlessShapeRangeSchema, { minItems: 1 }),
    observedAt: IsoDate,
    origin: T.String({ minLength: 1 }),
    estimated: T.Boolean(),
    /** Public pages the rates, the shape table and the limits come from. */
    citations: T.Array(T.String({ minLength: 1 }), { minItems: 1 }),
    notes: T.Array(T.String()),
  },
  { additionalProperties: false },
);

export const ServerlessFileSchema = T.Object(
  {
    format: T.Literal(CATALOG_FORMAT),
    kind: T.Literal('serverless'),
    sources: T.Array(SourceRefSchema),
    notes: T.Array(T.String()),
    skipped: T.Record(T.String(), T.Array(T.String())),
    offerings: T.Array(ServerlessEntrySchema),
  },
  { additionalProperties: false },
);

export type SourceRef = Static<typeof SourceRefSchema>;
export type ShapeRow = Static<typeof ShapeSchema>;
export type Band = Static<typeof BandSchema>;
export type PriceTable = Static<typeof PriceTableSchema>;
export type RegionTables = Static<typeof RegionTablesSchema>;
export type CloudFile = Static<typeof CloudFileSchema>;
export type ServerlessEntry = Static<typeof ServerlessEntrySchema>;
export type ServerlessFile = Static<typeof ServerlessFileSchema>;
