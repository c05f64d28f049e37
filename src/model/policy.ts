import { type Static, Type as T } from '@sinclair/typebox';

/**
 * A placement policy: what a pod may be placed on and how it is sized.
 * The schema is the single source of the type, the validator (policies/)
 * and the PlacementPolicy CRD's OpenAPI schema (deploy/).
 */
const Quantity = T.String({ description: 'a Kubernetes quantity, e.g. 500m, 2, 4Gi' });
const ResourceBounds = T.Object(
  { cpu: T.Optional(Quantity), memory: T.Optional(Quantity) },
  { additionalProperties: false },
);

export const PolicySpecSchema = T.Object(
  {
    clouds: T.Optional(
      T.Array(T.Union([T.Literal('aws'), T.Literal('gcp'), T.Literal('azure')]), {
        description: 'clouds allowed; absent means every cloud',
      }),
    ),
    regions: T.Optional(T.Array(T.String(), { description: 'regions allowed; absent means any' })),
    zones: T.Optional(T.Array(T.String(), { description: 'zones allowed; absent means any' })),
    capacityTypes: T.Optional(
      T.Array(T.Union([T.Literal('on-demand'), T.Literal('spot'), T.Literal('serverless')]), {
        description: 'capacity types allowed; absent means all three',
      }),
    ),
    instanceFamilies: T.Optional(
      T.Object(
        {
          include: T.Optional(T.Array(T.String())),
          exclude: T.Optional(T.Array(T.String())),
        },
        { additionalProperties: false },
      ),
    ),
    instanceTypePattern: T.Optional(
      T.String({ description: 'a regular expression the instance type must match in full' }),
    ),
    architectures: T.Optional(T.Array(T.Union([T.Literal('amd64'), T.Literal('arm64')]))),
    gpuModels: T.Optional(
      T.Array(T.String(), { description: 'GPU models allowed (e.g. t4, a10g, l4, a100); absent means any' }),
    ),
    maxPricePerHour: T.Optional(T.Number({ exclusiveMinimum: 0, description: 'USD per hour' })),
    spot: T.Optional(
      T.Object(
        {
          riskWeight: T.Optional(
            T.Number({
              minimum: 0,
              description:
                'how much interruption risk costs: effective price = price x (1 + riskWeight x interruption %/100)',
            }),
          ),
          maxInterruptionBand: T.Optional(
            T.Integer({
              minimum: 0,
              maximum: 4,
              description: 'worst band allowed: 0 (<5%), 1 (5-10%), 2 (10-15%), 3 (15-20%), 4 (>20%)',
            }),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    isolation: T.Optional(
      T.Union([T.Literal('dedicated'), T.Literal('shared-namespace')], {
        description: 'dedicated: one node per pod (shared-namespace is reserved for later)',
      }),
    ),
    rootVolume: T.Optional(
      T.Object(
        {
          min: T.Optional(Quantity),
          max: T.Optional(Quantity),
        },
        {
          additionalProperties: false,
          description:
            "bounds on a machine's root volume, which is sized to the pod's ephemeral-storage request plus the image and system reserve (default 20Gi to 1Ti)",
        },
      ),
    ),
    burstable: T.Optional(
      T.Boolean({
        description:
          'false: never burstable machines (AWS T, Azure B, GCP shared-core); true (default): allowed, priced with the CPU credits the pod would spend above the baseline',
      }),
    ),
    rightSizing: T.Optional(
      T.Object(
        {
          mode: T.Optional(
            // Only the pod's own requests for now: reading VerticalPodAutoscaler targets is not built yet,
            // and a mode that silently did nothing would buy the wrong node.
            T.Literal('request', {
              description: "request: size from the pod's own requests (the only mode so far)",
            }),
          ),
          headroomPercent: T.Optional(T.Number({ minimum: 0, maximum: 1000 })),
          min: T.Optional(ResourceBounds),
          max: T.Optional(ResourceBounds),
          upsizeForHeadroom: T.Optional(
            T.Boolean({
              description:
                'true: headroomPercent and min may move a pod onto a larger machine than its request fits; false (default): they are granted only as far as the machine the request fits has room',
            }),
          ),
          shapeFit: T.Optional(
            T.Object(
              {
                maxCpuTrimPercent: T.Number({
                  minimum: 0,
                  maximum: 10,
                  description:
                    "at most this share of a pod's CPU request may be trimmed at creation (by the webhook) so that it fits the next smaller machine; memory is never trimmed and Guaranteed pods are left alone (default 0: off)",
                }),
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type PolicySpec = Static<typeof PolicySpecSchema>;

/** A policy with every default filled in: what the placement engine reads. */
export interface Policy {
  name: string;
  clouds: readonly ('aws' | 'gcp' | 'azure')[];
  regions?: readonly string[];
  zones?: readonly string[];
  capacityTypes: readonly ('on-demand' | 'spot' | 'serverless')[];
  includeFamilies?: readonly string[];
  excludeFamilies: readonly string[];
  instanceTypePattern?: RegExp;
  architectures: readonly ('amd64' | 'arm64')[];
  gpuModels?: readonly string[];
  maxPricePerHour?: number;
  spotRiskWeight: number;
  maxInterruptionBand: number;
  isolation: 'dedicated' | 'shared-namespace';
  /** Root volume bounds in bytes. */
  rootVolume: { min: number; max: number };
  /** False: burstable machines are never chosen. */
  burstable: boolean;
  rightSizing: {
    mode: 'request';
    headroomPercent: number;
    /** canonical units (see Resources) */
    min: { cpu?: number; memory?: number };
    max: { cpu?: number; memory?: number };
    /** False: headroom and min never choose a larger machine than the request fits (the next-size-up cliff). */
    upsizeForHeadroom: boolean;
    /** Share (percent) of the pod's CPU request that may be trimmed at admission to fit a smaller machine. */
    maxCpuTrimPercent: number;
  };
}

/**
 * One thing wrong with a policy, where it is (`spec.zones[1]`) and what to
 * do. An error makes the policy unusable; a warning is reported and the
 * policy used as it is.
 */
export interface PolicyFinding {
  field: string;
  message: string;
  severity: 'error' | 'warning';
}

/**
 * A standard metav1.Condition, as written to a PlacementPolicy's status for
 * the rules only the controller can check (a pattern that compiles, regions
 * the catalog knows).
 */
export interface PolicyCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime: string;
  observedGeneration?: number;
}

/** The condition type that says whether the controller accepted a policy's spec. */
export const POLICY_CONDITION_VALID = 'Valid';

export interface PlacementPolicyStatus {
  conditions?: PolicyCondition[];
  observedGeneration?: number;
}

/** The PlacementPolicy custom resource (berth.dev/v1alpha1, namespaced). */
export interface PlacementPolicyObject {
  apiVersion: 'berth.dev/v1alpha1';
  kind: 'PlacementPolicy';
  metadata: {
    name: string;
    namespace: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string | Date;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: PolicySpec;
  status?: PlacementPolicyStatus;
}
