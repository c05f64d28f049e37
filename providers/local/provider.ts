import { setTimeout as delay } from 'node:timers/promises';
import { ApiException, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import {
  ACI_VIRTUAL_NODE,
  CapacityError,
  type Claim,
  ClaimConflictError,
  type Cloud,
  type Instance,
  type InterruptionNotice,
  type NodeProvider,
  type Offering,
  type Reach,
  type Resources,
  VIRTUAL_KUBELET_TAINT,
} from '../../src/model/index.ts';
import { type CapacityFailureRule, createFailureRules, type OfferingMatch } from './failures.ts';
import { createInterruptions } from './interruptions.ts';
import {
  capacityOf,
  claimIdOf,
  instanceOf,
  nodeFor,
  nodeNameOf,
  ownershipLabels,
  providerIdFor,
} from './node-object.ts';

export interface LocalProviderOptions {
  kubeConfig: KubeConfig;
  /** The cloud this simulation stands in for; it only launches that cloud's offerings. */
  cloud?: Cloud;
  /** The region it launches in (default us-east-1). */
  region?: string;
  /** How long a machine takes to boot before its Node registers. */
  bootDelayMs?: number;
  /** Tags every machine, so providers of two clusters sharing an API server never touch each other's. */
  clusterName?: string;
  failures?: readonly CapacityFailureRule[];
  /** What a node keeps for itself; pass placement's nodeAllocatable. Default: nothing (allocatable = capacity). */
  allocatableOf?: (o: Offering) => Resources;
  /** Between a spot interruption notice and the machine being taken back. */
  interruptionGraceMs?: number;
  /** Failures of background work (a reclaim at a deadline, a throwing subscriber). Default: stderr. */
  onError?: (err: unknown) => void;
}

export interface LocalProvider extends NodeProvider {
  onInterruption(handler: (notice: InterruptionNotice) => void): () => void;
  /** Make matching launches fail from now on; `times` defaults to 1 (the next matching launch). */
  failNext(rule: CapacityFailureRule): void;
  /**
   * Matching machines boot and register, but their kubelet never reports
   * Ready (kwok leaves the Node alone); `times` defaults to 1.
   */
  stallNext(rule: OfferingMatch): void;
  /**
   * Announce that the cloud takes this instance back: subscribers hear now; a
   * spot interruption terminates it after the grace period, a rebalance never.
   */
  interrupt(instanceId: string, kind?: InterruptionNotice['kind']): Promise<InterruptionNotice>;
  /** Stop pending reclaims. */
  close(): void;
}

const DEFAULT_GRACE_MS = 2 * 60_000;
/** Instance ids of pods placed on ACI's virtual node. */
const ACI_INSTANCE_PREFIX = 'aci://';

/** The serverless platforms the simulation stands in for, by the family their offerings carry. */
const LOCAL_SERVERLESS: Readonly<Record<Cloud, readonly string[]>> = {
  aws: ['fargate'],
  gcp: ['autopilot'],
  azure: ['aci'],
};

/** Everything its cloud sells in its region, serverless platforms included: kwok runs them all. */
export function localReach(cloud: Cloud, region: string): Reach {
  return {
    cloud,
    regions: [region],
    capacityTypes: ['on-demand', 'spot', 'serverless'],
    serverless: LOCAL_SERVERLESS[cloud],
    archs: ['amd64', 'arm64'],
    cannotHost: [],
  };
}

function status(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** Waits for `p` to settle, or rejects with the signal's reason when it is aborted first. */
async function settledOrAborted(p: Promise<unknown>, signal: AbortSignal): Promise<void> {
  signal.throwIfAborted();
  let onAbort = (): void => {};
  try {
    await Promise.race([
      p,
      new Promise((_, reject) => {
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/**
 * A simulated cloud whose machines are Nodes run by kwok. Creating the Node
 * stands in for the machine's kubelet registering, so `launch` waits out the
 * boot delay, creates the Node and only then returns: when it returns, the
 * Node exists. Everything is keyed by the claim's node name, so repeating a
 * launch or a terminate changes nothing.
 */
export function createLocalProvider(options: LocalProviderOptions): LocalProvider {
  const core = options.kubeConfig.makeApiClient(CoreV1Api);
  const cloud = options.cloud ?? 'aws';
  const bootDelayMs = options.bootDelayMs ?? 0;
  const allocatableOf = options.allocatableOf ?? capacityOf;
  const onError =
    options.onError ?? ((err: unknown) => process.stderr.write(`local provider: ${String(err)}\n`));
  const failures = createFailureRules(options.failures);
  const stalls = createFailureRules<OfferingMatch>();
  const owned = ownershipLabels(cloud, options.clusterName);
  const selector = Object.entries(owned)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');

  /** Launches still booting, by node name: listed as pending, and terminate can cancel them. */
  const booting = new Map<string, { instance: Instance; cancel: AbortController; done: Promise<unknown> }>();

  async function readNode(name: string): Promise<V1Node | undefined> {
    try {
      return await core.readNode({ name });
    } catch (err) {
      if (status(err) === 404) return undefined;
      throw err;
    }
  }

  /** Ours if it carries our provider id and tags; a Node of the same name made by anyone else is not. */
  function isOurs(node: V1Node, instanceId: string): boolean {
    const labels = node.metadata?.labels ?? {};
    return node.spec?.providerID === instanceId && Object.entries(owned).every(([k, v]) => labels[k] === v);
  }

  /** The instance when the claim's Node exists; an error when it exists for another claim. */
  function existing(claim: Claim, node: V1Node): Instance {
    const owner = claimIdOf(node);
    const instance = instanceOf(node);
    if (owner !== claim.id || !instance) throw new ClaimConflictError(claim.id, claim.nodeName, owner);
    return instance;
  }

  async function boot(
    claim: Claim,
    instance: Instance,
    signal: AbortSignal,
    neverReady: boolean,
  ): Promise<Instance> {
    if (bootDelayMs > 0) {
      await delay(bootDelayMs, undefined, { signal }).catch(() => {
        throw signal.reason;
      });
    }
    signal.throwIfAborted();
    const body = nodeFor(claim, {
      cloud,
      clusterName: options.clusterName,
      allocatableOf,
      launchedAt: instance.launchedAt,
      neverReady,
    });
    try {
      return instanceOf(await core.createNode({ body })) ?? instance;
    } catch (err) {
      // Lost a race with another launch of the same name: fine if it was this claim.
      if (status(err) !== 409) throw err;
      const node = await readNode(claim.nodeName);
      if (!node) throw err;
      return existing(claim, node);
    }
  }

  /**
   * Azure Container Instances: nothing to boot, the pod goes to the cluster's
   * virtual node (when it has one), tolerating virtual-kubelet's taint.
   */
  async function onVirtualNode(claim: Claim): Promise<Instance> {
    const o = claim.offering;
    if (!(await readNode(ACI_VIRTUAL_NODE))) {
      throw new CapacityError(o.id, 'unsupported', `the cluster has no virtual node ${ACI_VIRTUAL_NODE}`);
    }
    const id = `${ACI_INSTANCE_PREFIX}${claim.id}`;
    return {
      id,
      claimId: claim.id,
      nodeName: ACI_VIRTUAL_NODE,
      providerId: id,
      offeringId: o.id,
      state: 'running',
      launchedAt: new Date().toISOString(),
      virtualNode: {
        name: ACI_VIRTUAL_NODE,
        tolerations: [
          { key: VIRTUAL_KUBELET_TAINT.key, operator: 'Exists', effect: VIRTUAL_KUBELET_TAINT.effect },
        ],
      },
    };
  }

  async function launch(claim: Claim, signal: AbortSignal): Promise<Instance> {
    signal.throwIfAborted();
    const o = claim.offering;
    if (o.cloud !== cloud) {
      throw new Error(
        `local provider for ${cloud} was asked to launch ${o.id}: wire one local provider per cloud`,
      );
    }
    if (o.capacityType === 'serverless' && o.family === 'aci') return onVirtualNode(claim);
    const node = await readNode(claim.nodeName);
    if (node) return existing(claim, node);
    // No await from here until the boot is registered, so two launches can't both start one.
    const inFlight = booting.get(claim.nodeName);
    if (inFlight) {
      if (inFlight.instance.claimId !== claim.id) {
        throw new ClaimConflictError(claim.id, claim.nodeName, inFlight.instance.claimId);
      }
      // A repeat while the first launch still boots: the same machine, once it is up.
      await settledOrAborted(inFlight.done, signal);
      return launch(claim, signal);
    }

    const failure = failures.take(o);
    if (failure) throw new CapacityError(o.id, failure.reason, 'simulated by the local provider');
    const neverReady = stalls.take(o) !== undefined;

    const id = providerIdFor(cloud, o.region, claim.nodeName);
    const instance: Instance = {
      id,
      claimId: claim.id,
      nodeName: claim.nodeName,
      providerId: id,
      offeringId: o.id,
      state: 'pending',
      launchedAt: new Date().toISOString(),
    };
    const cancel = new AbortController();
    // Removed before anyone waiting on it resumes, so they find the Node, not the boot.
    const done = boot(claim, instance, AbortSignal.any([signal, cancel.signal]), neverReady).finally(() =>
      booting.delete(claim.nodeName),
    );
    booting.set(claim.nodeName, { instance, cancel, done: done.catch(() => undefined) });
    return done;
  }

  async function terminate(instanceId: string): Promise<void> {
    // A container group on the virtual node ends with its pod: nothing to free.
    if (instanceId.startsWith(ACI_INSTANCE_PREFIX)) return;
    const name = nodeNameOf(instanceId);
    if (!name) throw new Error(`not a local provider instance id: ${JSON.stringify(instanceId)}`);
    interruptions.cancel(instanceId);
    const inFlight = booting.get(name);
    if (inFlight?.instance.id === instanceId) {
      // Terminating a machine that is still booting: stop it, then make sure its Node didn't slip in.
      inFlight.cancel.abort(new Error(`instance ${instanceId} terminated while booting`));
      await inFlight.done;
    }
    const node = await readNode(name);
    if (!node || !isOurs(node, instanceId)) return;
    try {
      // The uid precondition keeps a stale terminate from deleting a newer Node of the same name.
      await core.deleteNode({ name, body: { preconditions: { uid: node.metadata?.uid } } });
    } catch (err) {
      if (status(err) !== 404 && status(err) !== 409) throw err;
    }
  }

  async function list(): Promise<Instance[]> {
    const nodes = await core.listNode({ labelSelector: selector });
    const listed = nodes.items.map(instanceOf).filter((i): i is Instance => i !== undefined);
    const seen = new Set(listed.map((i) => i.id));
    for (const b of booting.values()) if (!seen.has(b.instance.id)) listed.push({ ...b.instance });
    return listed;
  }

  const interruptions = createInterruptions({
    graceMs: options.interruptionGraceMs ?? DEFAULT_GRACE_MS,
    reclaim: terminate,
    onError,
  });

  async function interrupt(
    instanceId: string,
    kind: InterruptionNotice['kind'] = 'spot-interruption',
  ): Promise<InterruptionNotice> {
    const name = nodeNameOf(instanceId);
    const node = name ? await readNode(name) : undefined;
    if (!name || !node || !isOurs(node, instanceId)) {
      throw new Error(`cannot interrupt ${instanceId}: no such running instance`);
    }
    return interruptions.announce(instanceId, name, kind);
  }

  return {
    cloud,
    reach: localReach(cloud, options.region ?? 'us-east-1'),
    launch,
    terminate,
    list,
    onInterruption: (handler) => interruptions.subscribe(handler),
    failNext: (rule) => failures.add({ times: 1, ...rule }),
    stallNext: (rule) => stalls.add({ times: 1, ...rule }),
    interrupt,
    close: () => interruptions.close(),
  };
}
