/**
 * The Berth's spec and status as a schema, to check Berths read from the API
 * server: the controller is their only writer, but a person can edit one by
 * hand, or an older CRD may hold it. Mirrors the hand-written CRD
 * (deploy/crds/berth.dev_berths.yaml; a unit test keeps the two equal) and
 * the BerthSpec/BerthStatus types (the same test checks they agree).
 */
import { Type as T } from '@sinclair/typebox';
import { BERTH_PHASES } from './berth.ts';
import { CAPACITY_TYPES, CLOUDS } from './offering.ts';

const literals = <V extends string>(values: readonly V[]) => T.Union(values.map((v) => T.Literal(v)));

const PlacedOfferingSchema = T.Object({
  id: T.String(),
  cloud: literals(CLOUDS),
  region: T.String(),
  zone: T.Optional(T.String()),
  instanceType: T.String(),
  capacityType: literals(CAPACITY_TYPES),
  pricePerHour: T.Number({ minimum: 0 }),
  hourlyPrice: T.Optional(T.String()),
  onDemandPricePerHour: T.Optional(T.Number({ minimum: 0 })),
  source: T.Object({
    kind: literals(['embedded', 'live'] as const),
    origin: T.String(),
    estimated: T.Boolean(),
  }),
});

export const BerthSpecSchema = T.Object({
  pod: T.Object({ name: T.String(), namespace: T.String(), uid: T.String() }),
  policy: T.String(),
  offering: T.Optional(PlacedOfferingSchema),
  fallbacks: T.Array(PlacedOfferingSchema),
  node: T.Optional(
    T.Object({ rootVolumeGiB: T.Integer({ minimum: 1 }), maxPods: T.Integer({ minimum: 1 }) }),
  ),
  explanation: T.String(),
  podLabels: T.Optional(T.Record(T.String(), T.String())),
});

/** RFC 3339, as the CRD's `format: date-time` (the checker registers the format). */
const Timestamp = T.Optional(T.String({ format: 'date-time' }));

export const BerthStatusSchema = T.Object({
  phase: literals(BERTH_PHASES),
  instanceId: T.Optional(T.String()),
  nodeName: T.Optional(T.String()),
  providerId: T.Optional(T.String()),
  attempts: T.Optional(T.Integer({ minimum: 0 })),
  reason: T.Optional(T.String()),
  message: T.Optional(T.String()),
  timestamps: T.Optional(
    T.Object({
      Pending: Timestamp,
      Launching: Timestamp,
      Registered: Timestamp,
      Bound: Timestamp,
      Terminating: Timestamp,
      Terminated: Timestamp,
      Failed: Timestamp,
    }),
  ),
});
