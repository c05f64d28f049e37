import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCatalog } from '../../../pricing/catalog/load.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { resolvePodPolicy } from '../../../src/controller/policy-resolution.ts';
import { validCondition } from '../../../src/controller/policy-status.ts';
import {
  ANNOTATION_POLICY,
  InputError,
  onOfferOf,
  type OnOffer,
  type PolicySpec,
} from '../../../src/model/index.ts';
import { builtInPolicies } from '../../../src/runtime/runtime.ts';

/**
 * Generated pods and policies, valid and not (wrong types, missing fields,
 * huge, negative and malformed quantities, unknown fields), through the path
 * the controller takes for each pod: policy resolution, then the placement
 * engine. Whatever goes in, the only error out is an InputError, and it says
 * which field is wrong; everything else is a decision with a reason.
 */

// ---- generators ------------------------------------------------------------------

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.double(),
  fc.string({ maxLength: 8 }),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);

/** Mostly the right thing, sometimes anything at all. */
const maybe = <T>(good: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 4, arbitrary: good }, { weight: 1, arbitrary: junk });

const quantity = fc.oneof(
  fc.constantFrom('500m', '1', '2', '4Gi', '1.5Gi', '100Mi', '0', '250m', '16', '64Gi', '1e3'),
  fc.constantFrom('10000000', '1e30', '99999999Ei', '1Ei', '8Pi', '-1', '-500m', '0.0001'),
  fc.constantFrom('lots', '', '1.5.5', 'Gi', '1 Gi', '0x10', '١', 'NaN', '1e', '+'),
  fc.integer({ min: -10, max: 2 ** 40 }).map(String),
  fc.double({ noNaN: false }),
  fc.integer(),
  junk,
);

const resourceName = fc.oneof(
  fc.constantFrom(
    'cpu',
    'memory',
    'ephemeral-storage',
    'nvidia.com/gpu',
    'amd.com/gpu',
    'hugepages-2Mi',
    'pods',
    'example.com/widget',
  ),
  fc.constantFrom('nvidia.com/gpus', 'memroy', 'cpus', 'gpu', 'Memory'),
  fc.string({ maxLength: 12 }),
);

const resourceList = maybe(fc.dictionary(resourceName, quantity, { maxKeys: 4 }));

const container = maybe(
  fc.record(
    {
      name: maybe(fc.constantFrom('main', 'side')),
      image: fc.constant('busybox'),
      resources: maybe(fc.record({ requests: resourceList, limits: resourceList }, { requiredKeys: [] })),
      restartPolicy: maybe(fc.constantFrom('Always', 'Never')),
      securityContext: maybe(fc.record({ privileged: maybe(fc.boolean()) }, { requiredKeys: [] })),
      surprise: junk,
    },
    { requiredKeys: [] },
  ),
);

const labelKey = fc.constantFrom(
  'kubernetes.io/arch',
  'topology.kubernetes.io/zone',
  'topology.kubernetes.io/region',
  'node.kubernetes.io/instance-type',
  'berth.dev/capacity-type',
  'disk',
);

const affinity = maybe(
  fc.record({
    nodeAffinity: maybe(
      fc.record({
        requiredDuringSchedulingIgnoredDuringExecution: maybe(
          fc.record({
            nodeSelectorTerms: maybe(
              fc.array(
                maybe(
                  fc.record({
                    matchExpressions: maybe(
                      fc.array(
                        maybe(
                          fc.record({
                            key: maybe(labelKey),
                            operator: maybe(
                              fc.constantFrom('In', 'NotIn', 'Exists', 'DoesNotExist', 'Gt', 'Lt', 'Near'),
                            ),
                            values: maybe(
                              fc.array(maybe(fc.constantFrom('amd64', 'arm64', 'us-east-1a', '3')), {
                                maxLength: 3,
                              }),
                            ),
                          }),
                        ),
                        { maxLength: 3 },
                      ),
                    ),
                  }),
                ),
                { maxLength: 2 },
              ),
            ),
          }),
        ),
      }),
    ),
  }),
);

const podSpec = fc.record(
  {
    containers: maybe(fc.array(container, { minLength: 0, maxLength: 3 })),
    initContainers: maybe(fc.array(container, { maxLength: 2 })),
    overhead: resourceList,
    resources: maybe(fc.record({ requests: resourceList, limits: resourceList }, { requiredKeys: [] })),
    nodeSelector: maybe(
      fc.dictionary(labelKey, maybe(fc.constantFrom('amd64', 'arm64', 'us-east-1b', 'ssd')), { maxKeys: 2 }),
    ),
    affinity,
    tolerations: maybe(
      fc.array(maybe(fc.record({ operator: maybe(fc.constantFrom('Exists', 'Equal')) })), { maxLength: 2 }),
    ),
    hostNetwork: maybe(fc.boolean()),
    volumes: maybe(
      fc.array(
        maybe(fc.record({ name: fc.constant('v'), hostPath: maybe(fc.record({ path: fc.constant('/x') })) })),
        { maxLength: 2 },
      ),
    ),
    somethingNew: junk,
  },
  { requiredKeys: ['containers'] },
);

const stringList = (values: string[]) => maybe(fc.array(maybe(fc.constantFrom(...values)), { maxLength: 4 }));

const policySpec = maybe(
  fc.record(
    {
      clouds: stringList(['aws', 'gcp', 'azure', 'AWS']),
      regions: stringList(['us-east-1', 'us-west-2', 'mars-1']),
      zones: stringList(['us-east-1a', 'us-east-1b', 'mars-1a', '1']),
      capacityTypes: stringList(['on-demand', 'spot', 'serverless', 'reserved']),
      instanceFamilies: maybe(
        fc.record(
          {
            include: stringList(['m5', 'c5', 'g4dn', 'p4d', 'M5']),
            exclude: stringList(['m5', 't3', 'fargate']),
          },
          { requiredKeys: [] },
        ),
      ),
      instanceTypePattern: maybe(fc.constantFrom('m5\\..*', '(', '.*', 'g.*', '[a-', 'c5.(x|2x)large')),
      architectures: stringList(['amd64', 'arm64', 'x86_64']),
      gpuModels: stringList(['t4', 'a10g', 'h100', 'T4', 'tpu']),
      maxPricePerHour: maybe(fc.oneof(fc.double({ min: -1, max: 100, noNaN: true }), fc.constant(0))),
      spot: maybe(
        fc.record(
          {
            riskWeight: maybe(fc.double({ min: -5, max: 50 })),
            maxInterruptionBand: maybe(fc.integer({ min: -1, max: 6 })),
          },
          { requiredKeys: [] },
        ),
      ),
      isolation: maybe(fc.constantFrom('dedicated', 'shared-namespace', 'none')),
      rightSizing: maybe(
        fc.record(
          {
            mode: maybe(fc.constantFrom('request', 'vpa', 'magic')),
            headroomPercent: maybe(fc.double({ min: -10, max: 2000 })),
            min: maybe(
              fc.dictionary(fc.constantFrom('cpu', 'memory', 'memroy', 'gpus'), quantity, { maxKeys: 2 }),
            ),
            max: maybe(
              fc.dictionary(fc.constantFrom('cpu', 'memory', 'memroy', 'gpus'), quantity, { maxKeys: 2 }),
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      unknownField: junk,
    },
    { requiredKeys: [] },
  ),
);

/** A pod names a policy of its namespace, a preset, one that doesn't exist, or none. */
const policyName = fc.option(fc.constantFrom('fuzz', 'default', 'ci-burst', 'ml-gpu', 'missing', ''), {
  nil: undefined,
});

const pod = fc
  .record({ spec: podSpec, policy: policyName, namespaceDefault: fc.boolean() })
  .map(({ spec, policy, namespaceDefault }) => ({
    namespaceDefault,
    pod: {
      metadata: {
        name: 'p',
        namespace: 'team',
        uid: 'uid-1',
        ...(policy !== undefined ? { annotations: { [ANNOTATION_POLICY]: policy } } : {}),
      },
      spec: spec as unknown as V1PodSpec,
    } satisfies V1Pod,
  }));

// ---- the property ----------------------------------------------------------------

/** A rejection names a field: in where it is, or as a path in its message. */
const NAMES_A_FIELD = /(^|[\s:(])(spec|metadata)(\.|\[|:)|\bdaemonSets\[|\bvpaTarget\./;

function checkRejection(err: unknown): void {
  if (!(err instanceof InputError)) {
    throw new Error(
      `expected only InputErrors to escape, got ${String(err)}\n${(err as Error)?.stack ?? ''}`,
    );
  }
  const named = (err.where.field ?? '') !== '' || NAMES_A_FIELD.test(err.message);
  if (!named) throw new Error(`the rejection names no field: ${err.message}`);
}

describe('fuzzing the controller’s decision path', () => {
  let engine: PlacementEngine;
  let onOffer: OnOffer;
  beforeAll(() => {
    const offerings = loadCatalog({ clouds: ['aws'], regions: ['us-east-1'], onWarning: () => {} }).offerings;
    engine = new PlacementEngine(offerings);
    onOffer = onOfferOf(offerings);
  });

  it('pods and policies of any shape: a decision or an InputError naming the field, nothing else', () => {
    fc.assert(
      fc.property(pod, policySpec, ({ pod: p, namespaceDefault }, spec) => {
        const view = {
          policy: (_ns: string, name: string) =>
            name === 'fuzz' || (name === 'default' && namespaceDefault) ? (spec as PolicySpec) : undefined,
        };
        try {
          const policy = resolvePodPolicy(p, view, builtInPolicies, 'default');
          const decision = engine.decide(p, policy, [], new Set());
          expect(typeof decision.explanation).toBe('string');
          expect(decision.explanation.length).toBeGreaterThan(0);
          if (decision.chosen) expect(decision.chosen.offering.id).toBeTruthy();
        } catch (err) {
          checkRejection(err);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('the Valid condition of a policy of any shape is a verdict, with every finding naming its field', () => {
    fc.assert(
      fc.property(policySpec, (raw) => {
        // The controller reads a policy without a spec as all defaults.
        const spec = raw ?? {};
        const condition = validCondition(
          { name: 'fuzz', spec: spec as PolicySpec, generation: 1 },
          builtInPolicies,
          undefined,
          () => 'now',
          onOffer,
        );
        expect(condition?.status).toMatch(/^(True|False)$/);
        for (const f of builtInPolicies.judge(spec, onOffer)) {
          // `spec`, `spec.zones[1]`, `spec["odd key"]`: a path to the field, never a dangling dot.
          expect(f.field, f.message).toMatch(/^spec($|\.[A-Za-z_]|\[)/);
          expect(f.field, f.message).not.toMatch(/\.$/);
        }
        // A spec the judge passes resolves; one it fails, the controller would not use.
        const errors = builtInPolicies.judge(spec, onOffer).filter((f) => f.severity === 'error');
        if (condition?.status === 'True') expect(errors).toEqual([]);
        else expect(condition?.message.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('daemonSets of any shape beside a plain pod: the same contract', () => {
    fc.assert(
      fc.property(fc.array(podSpec, { maxLength: 3 }), (daemonSets) => {
        const p: V1Pod = {
          metadata: { name: 'p', namespace: 'team', uid: 'u' },
          spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1', memory: '1Gi' } } }] },
        };
        const tolerating = daemonSets.map((s) => ({
          ...(s as object),
          tolerations: [{ operator: 'Exists' }],
        }));
        try {
          engine.decide(p, builtInPolicies.preset('default')!, tolerating as V1PodSpec[], new Set());
        } catch (err) {
          checkRejection(err);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('what it found: a node affinity of the wrong shape, and a policy key that is no plain name', () => {
    const p: V1Pod = {
      metadata: { name: 'p', namespace: 'team', uid: 'u' },
      spec: {
        containers: [{ name: 'c' }],
        affinity: {
          nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: false } },
        },
      } as unknown as V1PodSpec,
    };
    expect(() => engine.decide(p, builtInPolicies.preset('default')!, [], new Set())).toThrow(
      new InputError('expected a list', {
        field: 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms',
      }),
    );
    expect(builtInPolicies.judge({ 'a.b': 1 }).map((f) => f.field)).toEqual(['spec["a.b"]']);
  });
});
