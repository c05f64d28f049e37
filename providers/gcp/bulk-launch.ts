import type { protos } from '@google-cloud/compute';
import {
  CapacityError,
  type Claim,
  ClaimConflictError,
  type Instance,
  type CapacityReason,
} from '../../src/model/index.ts';
import type { BatchOutcome } from '../launch-batches.ts';
import type { ComputeClients } from './clients.ts';
import type { GcpProviderConfig } from './config.ts';
import { googleCode, operationError, zoneBound } from './errors.ts';
import {
  claimLabels,
  claimOf,
  type GceInstance,
  labelValue,
  LABEL_CLAIM,
  METADATA_CLAIM,
  METADATA_OFFERING_ID,
  metadataOf,
  namesFilter,
  type Ownership,
  providerIdOf,
  requestIdFor,
} from './labels.ts';
import { claimMetadata, sharedInstanceProperties, zonesFor } from './instance-properties.ts';
import { listVms } from './list-vms.ts';

type IOperation = protos.google.cloud.compute.v1.IOperation;
type IInstanceProperties = protos.google.cloud.compute.v1.IInstanceProperties;

/** What the batched launch borrows from its provider: the clients, and its retried, classified calls. */
export interface BulkLaunchDeps {
  project: string;
  config: GcpProviderConfig;
  owner: Ownership;
  clients: ComputeClients;
  call<T>(permission: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  waitFor(zone: string, op: IOperation, signal: AbortSignal): Promise<IOperation>;
  template(signal: AbortSignal): Promise<IInstanceProperties>;
  /** Called with each VM name a claim got. */
  launched(nodeName: string): void;
}

const ALREADY_EXISTS = 6;
const gone = (vm: GceInstance) => vm.status === 'STOPPING' || vm.status === 'TERMINATED';
const zoneOf = (vm: GceInstance) => (vm.zone ?? '').split('/').pop() ?? '';

/** The same error, once per claim: each pod's fallback is its own. */
function perClaim(err: Error): Error {
  if (!(err instanceof CapacityError)) return err;
  return Object.assign(new CapacityError(err.offeringId, err.reason), { message: err.message });
}

/**
 * bulkInsert refuses at once what it cannot start (Google validates capacity
 * and quota up front): 503 insufficientCapacity, 403 quotaExceeded. Read from
 * the reason when the client keeps it, else from Google's words.
 */
export function bulkRefusal(offeringId: string, err: unknown): CapacityError | undefined {
  const reason = typeof err === 'object' && err !== null ? (err as { reason?: unknown }).reason : undefined;
  const text = `${String(reason ?? '')} ${err instanceof Error ? err.message : String(err)}`;
  const why: CapacityReason | undefined =
    /insufficientCapacity|RESOURCE_POOL_EXHAUSTED|STOCKOUT|does not have enough resources/i.test(text)
      ? 'insufficient-capacity'
      : /quotaExceeded|QUOTA_EXCEEDED|Quota '[^']+' exceeded/.test(text)
        ? 'quota'
        : undefined;
  return why
    ? new CapacityError(offeringId, why, err instanceof Error ? err.message : String(err))
    : undefined;
}

/**
 * Launches the claims of one launch specification with one zonal
 * `instances.bulkInsert`, still one VM per claim, named from its claim.
 * Before it, one list finds the VMs some claims already have; after it, each
 * new VM gets its claim's registration (metadata its boot waits for) and
 * labels. A claim whose VM exists without them (a crash between the insert
 * and the writes) gets them on its next launch, matched by the VM's name.
 */
export function bulkLauncher(d: BulkLaunchDeps) {
  const { project, clients, owner } = d;

  /** This installation's VMs with these names, one list call (its pages) for all. */
  async function byName(names: readonly string[], signal: AbortSignal): Promise<Map<string, GceInstance>> {
    const found = await d.call(
      'compute.instances.list',
      () => listVms(clients, project, namesFilter(owner, names)),
      signal,
    );
    const out = new Map<string, GceInstance>();
    for (const vm of found) {
      const had = vm.name ? out.get(vm.name) : undefined;
      if (vm.name && (!had || gone(had))) out.set(vm.name, vm);
    }
    return out;
  }

  const instanceOf = (claim: Claim, vm: GceInstance, zone: string): Instance => {
    d.launched(claim.nodeName);
    return {
      id: `${zone}/${claim.nodeName}`,
      claimId: claim.id,
      nodeName: claim.nodeName,
      providerId: providerIdOf(project, zone, claim.nodeName),
      offeringId: claim.offering.id,
      state: vm.status === 'RUNNING' ? 'running' : 'pending',
      launchedAt: vm.creationTimestamp
        ? new Date(vm.creationTimestamp).toISOString()
        : new Date().toISOString(),
    };
  };

  /** A write refused because the fingerprint moved on: read the VM again, unless the write is already there. */
  async function reread(zone: string, name: string, signal: AbortSignal): Promise<GceInstance> {
    const [vm] = await d.call(
      'compute.instances.get',
      () => clients.instances.get({ project, zone, instance: name }),
      signal,
    );
    return vm as GceInstance;
  }

  /** The claim's registration and labels on its VM; idempotent (a write already there is not made again). */
  async function writeClaim(
    claim: Claim,
    vm: GceInstance,
    zone: string,
    template: IInstanceProperties,
    signal: AbortSignal,
  ): Promise<void> {
    const name = claim.nodeName;
    const items = claimMetadata(claim, zone, template);
    const labels = claimLabels(claim, owner);
    const hasMetadata = (v: GceInstance) => metadataOf(v, METADATA_CLAIM) === claim.id;
    const hasLabels = (v: GceInstance) => v.labels?.[LABEL_CLAIM] === labelValue(claim.id);
    const write = async (
      permission: string,
      done: (v: GceInstance) => boolean,
      send: (v: GceInstance) => Promise<IOperation>,
    ) => {
      let current = vm;
      for (let attempt = 0; !done(current); attempt++) {
        try {
          const finished = await d.waitFor(
            zone,
            await d.call(permission, () => send(current), signal),
            signal,
          );
          const errors = finished.error?.errors ?? [];
          if (errors.length > 0)
            throw new Error(
              `${permission} on ${name} failed: ${errors.map((e) => `${e.code}: ${e.message}`).join('; ')}`,
            );
          return;
        } catch (err) {
          if (
            googleCode((err as { cause?: unknown }).cause ?? err) !== 9 /* FAILED_PRECONDITION */ ||
            attempt > 2
          )
            throw err;
          current = await reread(zone, name, signal);
        }
      }
    };
    await Promise.all([
      write('compute.instances.setMetadata', hasMetadata, async (v) => {
        const [lro] = await clients.instances.setMetadata({
          project,
          zone,
          instance: name,
          metadataResource: { fingerprint: v.metadata?.fingerprint ?? null, items },
        });
        return lro.latestResponse as IOperation;
      }),
      write('compute.instances.setLabels', hasLabels, async (v) => {
        const [lro] = await clients.instances.setLabels({
          project,
          zone,
          instance: name,
          instancesSetLabelsRequestResource: {
            labelFingerprint: v.labelFingerprint ?? null,
            labels: { ...(v.labels ?? {}), ...labels },
          },
        });
        return lro.latestResponse as IOperation;
      }),
    ]);
  }

  /** A VM already there under the claim's name: the claim's own (finished if need be), or a conflict. */
  async function adopt(
    claim: Claim,
    vm: GceInstance,
    template: IInstanceProperties,
    signal: AbortSignal,
  ): Promise<Instance> {
    const owned = claimOf(vm);
    const offering = metadataOf(vm, METADATA_OFFERING_ID);
    if (
      gone(vm) ||
      (owned !== undefined && owned !== claim.id && owned !== labelValue(claim.id)) ||
      (offering !== undefined && offering !== claim.offering.id)
    )
      throw new ClaimConflictError(claim.id, claim.nodeName, owned);
    const zone = zoneOf(vm);
    await writeClaim(claim, vm, zone, template, signal);
    return instanceOf(claim, vm, zone);
  }

  /** One bulkInsert of these claims' VMs in a zone: the VMs made, and why the others were not. */
  async function insertBatch(
    claims: readonly Claim[],
    zone: string,
    template: IInstanceProperties,
    signal: AbortSignal,
  ): Promise<{ made: Map<string, GceInstance>; refused: Error }> {
    const first = claims[0] as Claim;
    const offeringId = first.offering.id;
    const sorted = [...claims].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const sent = await d.call(
      'compute.instances.create',
      () =>
        clients.instances
          .bulkInsert({
            project,
            zone,
            requestId: requestIdFor(`bulk/${sorted.map((c) => c.id).join(',')}`, zone),
            bulkInsertInstanceResourceResource: {
              count: sorted.length,
              // What can be had is launched; the rest of the claims fall back each on its own.
              minCount: 1,
              perInstanceProperties: Object.fromEntries(
                sorted.map((c) => [c.nodeName, { name: c.nodeName }]),
              ),
              instanceProperties: sharedInstanceProperties(first, zone, template, d.config, owner),
            },
          })
          .then(
            ([lro]) => ({ op: lro.latestResponse as IOperation }),
            (err: unknown) => {
              // Refused up front, nothing created: a capacity answer, not a failure to retry.
              const refused = bulkRefusal(offeringId, err);
              if (refused) return { refused };
              throw err;
            },
          ),
      signal,
    );
    if ('refused' in sent) return { made: new Map(), refused: sent.refused };
    const finished = await d.waitFor(zone, sent.op, signal);
    const errors = finished.error?.errors ?? [];
    const listed = await byName(
      sorted.map((c) => c.nodeName),
      signal,
    );
    const made = new Map([...listed].filter(([, vm]) => zoneOf(vm) === zone && !gone(vm)));
    const refused =
      errors.length > 0
        ? operationError(offeringId, errors)
        : new CapacityError(
            offeringId,
            'insufficient-capacity',
            `the bulk insert in ${zone} created fewer VMs than asked`,
          );
    return { made, refused };
  }

  /** Every claim's VM, or its own error; one list and one bulkInsert per zone tried. */
  return async function launchMany(claims: readonly Claim[], signal: AbortSignal): Promise<BatchOutcome> {
    const out = new Map<string, Instance | Error>();
    const settle = (claim: Claim, p: Promise<Instance>) =>
      p.then(
        (i) => void out.set(claim.id, i),
        (err: unknown) => void out.set(claim.id, err instanceof Error ? err : new Error(String(err))),
      );
    const first = claims[0];
    if (!first) return out;
    const template = await d.template(signal);
    const found = await byName(
      claims.map((c) => c.nodeName),
      signal,
    );
    let rest: Claim[] = [];
    const names = new Set<string>();
    const adopted: Promise<void>[] = [];
    for (const c of claims) {
      const vm = found.get(c.nodeName);
      if (names.has(c.nodeName)) out.set(c.id, new ClaimConflictError(c.id, c.nodeName, undefined));
      else if (vm) adopted.push(settle(c, adopt(c, vm, template, signal)));
      else rest.push(c);
      names.add(c.nodeName);
    }
    /** The claims whose VM appeared since the list (a launch of theirs that gave up went on): adopted, not asked for again. */
    const adoptAppeared = async (): Promise<void> => {
      const again = await byName(
        rest.map((c) => c.nodeName),
        signal,
      );
      rest = rest.filter((c) => {
        const vm = again.get(c.nodeName);
        if (vm) adopted.push(settle(c, adopt(c, vm, template, signal)));
        return !vm;
      });
    };
    let relisted = false;
    const o = first.offering;
    const zones = zonesFor(first, d.config.zones);
    let last: Error = new CapacityError(o.id, 'unsupported', `no configured zone for ${o.zone ?? o.region}`);
    for (let z = 0; z < zones.length && rest.length > 0; z++) {
      const zone = zones[z] as string;
      signal.throwIfAborted();
      let result: { made: Map<string, GceInstance>; refused: Error };
      try {
        result = await insertBatch(rest, zone, template, signal);
      } catch (err) {
        if (googleCode(err) === ALREADY_EXISTS && !relisted) {
          // A name was taken between the list and the insert: adopt those, send the others again, once.
          relisted = true;
          await adoptAppeared();
          z--;
          continue;
        }
        // Not a capacity answer (access, say): every claim left meets it, and retries.
        last = err instanceof Error ? err : new Error(String(err));
        break;
      }
      const next: Claim[] = [];
      for (const c of rest) {
        const vm = result.made.get(c.nodeName);
        if (vm)
          adopted.push(
            settle(
              c,
              writeClaim(c, vm, zone, template, signal).then(() => instanceOf(c, vm, zone)),
            ),
          );
        else if (o.zone === undefined && zoneBound(result.refused)) next.push(c);
        else out.set(c.id, perClaim(result.refused));
      }
      last = result.refused;
      rest = next;
    }
    for (const c of rest) out.set(c.id, perClaim(last));
    await Promise.all(adopted);
    return out;
  };
}
