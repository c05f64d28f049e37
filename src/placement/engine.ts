import type { V1Pod, V1PodSpec } from '@kubernetes/client-node';
import {
  CPU,
  type Decision,
  InputError,
  type Offering,
  type PlacedOffering,
  type PodFeature,
  type Policy,
} from '../model/index.ts';
import { nodeAllocatable } from './node-reserved.ts';
import { isolationClause } from './explain.ts';
import { packedShare, sharedMachines } from './packed-share.ts';
import { isGuaranteed } from './pod-request.ts';
import { buildIndex, type OfferingIndex } from './offering-index.ts';
import { FEATURE_WORDS, podFeatures } from './serverless-limits.ts';
import { SharedDecisions } from './shared-decisions.ts';
import { sizePod } from './sizing.ts';
import { decide } from './solver.ts';

/**
 * The controller's view of the catalog: indexed once, swapped whole when the
 * prices are refreshed, and asked one question per pod.
 */
export class PlacementEngine {
  private index!: OfferingIndex;
  private byId = new Map<string, Offering>();
  private onDemand = new Map<string, number>();
  private shared: ReturnType<typeof sharedMachines> = [];
  private readonly decisions = new SharedDecisions();

  /**
   * `cannotHost`: what no pod may ask for through the provider this engine
   * decides for (its reach); such a pod is an input error naming the field.
   */
  constructor(
    offerings: readonly Offering[],
    private readonly cannotHost: readonly PodFeature[] = [],
  ) {
    this.replace(offerings);
  }

  replace(offerings: readonly Offering[]): void {
    this.index = buildIndex(offerings, nodeAllocatable);
    this.byId = new Map(offerings.map((o) => [o.id, o]));
    this.onDemand = new Map(
      offerings
        .filter((o) => o.capacityType === 'on-demand')
        .map((o) => [twinKey(o), o.pricePerHour] as const),
    );
    this.shared = sharedMachines(offerings);
    this.decisions.clear();
  }

  /** Decisions served from an equal pod's (see SharedDecisions). */
  get sharedDecisions(): number {
    return this.decisions.hits;
  }

  get size(): number {
    return this.byId.size;
  }

  offering(id: string): Offering | undefined {
    return this.byId.get(id);
  }

  /**
   * `object` names the pod in errors (default `Pod ns/name`; quote names the
   * manifest object). `shapeFit`: the pod is being created and its CPU
   * request may still be trimmed (by the webhook) as far as its policy allows;
   * a pod that exists already keeps its request.
   */
  decide(
    pod: V1Pod,
    policy: Policy,
    daemonSets: readonly V1PodSpec[],
    unavailable: ReadonlySet<string>,
    object = `Pod ${pod.metadata?.namespace}/${pod.metadata?.name}`,
    options: { shapeFit?: boolean } = {},
  ): Decision {
    const meta = pod.metadata ?? {};
    const spec = pod.spec ?? { containers: [] };
    const ref = { namespace: meta.namespace ?? '', name: meta.name ?? '', uid: meta.uid };
    // Everything the decision reads; names and the pod's metadata are not part of it.
    const key = JSON.stringify([
      spec,
      policy,
      daemonSets.map((ds) => this.decisions.identity(ds)),
      [...unavailable].sort(),
      options.shapeFit === true,
    ]);
    const known = this.decisions.get(key, ref);
    if (known) return known;
    const d = this.decideAfresh(ref, spec, policy, daemonSets, unavailable, object, options);
    this.decisions.set(key, d);
    return d;
  }

  private decideAfresh(
    ref: Decision['pod'],
    spec: V1PodSpec,
    policy: Policy,
    daemonSets: readonly V1PodSpec[],
    unavailable: ReadonlySet<string>,
    object: string,
    options: { shapeFit?: boolean },
  ): Decision {
    const sizing = sizePod({ spec, policy, daemonSets, object });
    if (this.cannotHost.length > 0) {
      const features = podFeatures(spec, sizing.daemonSets);
      for (const f of this.cannotHost) {
        const field = features[f];
        if (field !== undefined) {
          throw new InputError(`${FEATURE_WORDS[f]} by the provider berth launches through`, {
            object,
            field,
          });
        }
      }
    }
    const d = decide({
      pod: ref,
      sizing,
      podSpec: spec,
      policy,
      index: this.index,
      unavailable,
      cpuTrimBudget: options.shapeFit ? cpuTrimBudget(spec, sizing.podRequest[CPU] ?? 0, policy, object) : 0,
    });
    if (!d.chosen || d.chosen.offering.gpu) return d;
    const share = packedShare(this.shared, sizing.admitted, policy);
    return share
      ? { ...d, packedShare: share, explanation: d.explanation + isolationClause(d.chosen, share) }
      : d;
  }

  /** The record of an offering a Berth keeps, with its on-demand twin's price for savings. */
  placed(o: Offering, pricePerHour = o.pricePerHour): PlacedOffering {
    const onDemand = o.capacityType === 'on-demand' ? pricePerHour : this.onDemand.get(twinKey(o));
    return {
      id: o.id,
      cloud: o.cloud,
      region: o.region,
      ...(o.zone ? { zone: o.zone } : {}),
      instanceType: o.instanceType,
      capacityType: o.capacityType,
      pricePerHour,
      hourlyPrice: pricePerHour.toFixed(4),
      ...(onDemand !== undefined ? { onDemandPricePerHour: onDemand } : {}),
      source: o.source,
    };
  }
}

/** Millicores shape fit may take from the pod's CPU request: none from a Guaranteed pod (its QoS class would change). */
function cpuTrimBudget(spec: V1PodSpec, cpu: number, policy: Policy, object: string): number {
  const percent = policy.rightSizing.maxCpuTrimPercent;
  if (percent <= 0 || isGuaranteed(spec, { object })) return 0;
  return Math.floor((cpu * percent) / 100);
}

function twinKey(o: Offering): string {
  return `${o.cloud}/${o.region}/${o.instanceType}`;
}
