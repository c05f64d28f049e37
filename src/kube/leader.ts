/**
 * Leader election on a coordination.k8s.io/v1 Lease, so of several replicas
 * exactly one acts (launching machines twice would cost money).
 *
 * As in client-go: a lease is free when it has no holder or its holder has
 * not renewed it for leaseDurationSeconds, measured on OUR clock from when we
 * last saw it change (so clock skew between replicas doesn't matter); every
 * write carries the resourceVersion it was based on, so two candidates can't
 * both win. The leader renews every renewInterval and gives up once it has
 * failed to renew for renewDeadline, which is shorter than the lease, so it
 * stops acting before anyone else may start. release() clears the holder so
 * a successor takes over at its next retry instead of waiting out the lease.
 * After losing the lease an elector keeps competing; onStartedLeading is
 * called again (with a fresh signal) if it wins again.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CoordinationV1Api, type KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import { apiStatus, describeError, isAlreadyExists, isConflict, isNotFound } from './api-errors.ts';
import { defaultLogger, type Logger } from './log.ts';

export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  /** Unique per process; default hostname_pid_random. */
  identity?: string;
  leaseDurationSeconds?: number;
  renewIntervalMs?: number;
  retryIntervalMs?: number;
  /** Stop leading when renewals have failed this long; default 2/3 of the lease. */
  renewDeadlineMs?: number;
  /** Called on becoming leader; `signal` aborts the moment leadership is lost or released. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  onStoppedLeading?(): void;
  /** Called when the observed holder changes (undefined: nobody holds it). */
  onNewLeader?(identity: string | undefined): void;
  logger?: Logger;
  now?: () => number;
}

export function defaultIdentity(): string {
  return `${hostname()}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

type Attempt = 'held' | 'other' | 'error';

export class LeaderElector {
  readonly identity: string;
  private readonly api: CoordinationV1Api;
  private readonly leaseSeconds: number;
  private readonly renewMs: number;
  private readonly retryMs: number;
  private readonly deadlineMs: number;
  private readonly log: Logger;
  private readonly now: () => number;

  private leading: AbortController | undefined;
  private lastRenew = 0;
  private observed: { resourceVersion?: string; holder?: string; at: number } | undefined;
  private lease: V1Lease | undefined;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private closed = false;

  constructor(
    kc: KubeConfig,
    private readonly options: LeaderElectionOptions,
  ) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.identity = options.identity ?? defaultIdentity();
    this.leaseSeconds = options.leaseDurationSeconds ?? 15;
    this.renewMs = options.renewIntervalMs ?? 5_000;
    this.retryMs = options.retryIntervalMs ?? 2_000;
    this.deadlineMs = options.renewDeadlineMs ?? Math.floor((this.leaseSeconds * 1000 * 2) / 3);
    this.log = options.logger ?? defaultLogger;
    this.now = options.now ?? Date.now;
  }

  get isLeader(): boolean {
    return this.leading !== undefined;
  }

  /** Starts competing for the lease (idempotent). */
  start(): void {
    if (this.closed || this.timer || this.inFlight) return;
    this.schedule(0);
  }

  private schedule(ms: number): void {
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.inFlight = this.tick().finally(() => {
        this.inFlight = undefined;
      });
    }, ms);
  }

  private async tick(): Promise<void> {
    const result = await this.tryAcquireOrRenew();
    if (this.closed) return;
    const t = this.now();
    if (result === 'held') {
      this.lastRenew = t;
      if (!this.leading) this.startLeading();
      this.schedule(this.renewMs);
      return;
    }
    if (this.leading && (result === 'other' || t - this.lastRenew > this.deadlineMs)) {
      this.log.warn(
        { lease: this.options.name, identity: this.identity, reason: result },
        result === 'other' ? 'lease taken by another holder' : 'could not renew lease in time',
      );
      this.stopLeading();
    }
    this.schedule(this.retryMs);
  }

  private startLeading(): void {
    const controller = new AbortController();
    this.leading = controller;
    this.log.info({ lease: this.options.name, identity: this.identity }, 'became leader');
    try {
      Promise.resolve(this.options.onStartedLeading(controller.signal)).catch((err: unknown) => {
        this.log.error({ err: describeError(err) }, 'onStartedLeading failed');
      });
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'onStartedLeading failed');
    }
  }

  private stopLeading(): void {
    const controller = this.leading;
    if (!controller) return;
    this.leading = undefined;
    controller.abort(new Error('leadership lost'));
    this.log.info({ lease: this.options.name, identity: this.identity }, 'stopped leading');
    try {
      this.options.onStoppedLeading?.();
    } catch (err) {
      this.log.error({ err: describeError(err) }, 'onStoppedLeading failed');
    }
  }

  private observe(lease: V1Lease): void {
    const rv = lease.metadata?.resourceVersion;
    const holder = lease.spec?.holderIdentity || undefined;
    if (!this.observed || this.observed.resourceVersion !== rv) {
      if (this.observed?.holder !== holder) this.options.onNewLeader?.(holder);
      this.observed = { resourceVersion: rv, holder, at: this.now() };
    }
    this.lease = lease;
  }

  private spec(previous: V1Lease | undefined): V1Lease['spec'] {
    const stamp = new V1MicroTime(this.now());
    const prev = previous?.spec;
    const same = prev?.holderIdentity === this.identity;
    return {
      holderIdentity: this.identity,
      leaseDurationSeconds: this.leaseSeconds,
      acquireTime: same && prev?.acquireTime ? prev.acquireTime : stamp,
      renewTime: stamp,
      // As client-go counts: every change of holder, including taking over a released lease.
      leaseTransitions: (prev?.leaseTransitions ?? 0) + (previous && !same ? 1 : 0),
    };
  }

  private async tryAcquireOrRenew(): Promise<Attempt> {
    const { namespace, name } = this.options;
    try {
      // The leader writes from its own last copy: one request per renewal, a conflict re-reads.
      let lease =
        this.leading && this.lease ? this.lease : await this.api.readNamespacedLease({ name, namespace });
      this.observe(lease);
      const holder = lease.spec?.holderIdentity;
      if (holder && holder !== this.identity) {
        const duration = (lease.spec?.leaseDurationSeconds ?? this.leaseSeconds) * 1000;
        if (this.observed && this.now() < this.observed.at + duration) return 'other';
      }
      lease = await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: { name, namespace, resourceVersion: lease.metadata?.resourceVersion },
          spec: this.spec(lease),
        },
      });
      this.observe(lease);
      return 'held';
    } catch (err) {
      if (isNotFound(err)) return this.create();
      if (isConflict(err)) {
        this.lease = undefined; // someone else wrote it: read afresh next time
        return 'error';
      }
      this.log.warn({ lease: name, err: describeError(err) }, 'lease request failed');
      return 'error';
    }
  }

  private async create(): Promise<Attempt> {
    const { namespace, name } = this.options;
    try {
      const lease = await this.api.createNamespacedLease({
        namespace,
        body: { metadata: { name, namespace }, spec: this.spec(undefined) },
      });
      this.observe(lease);
      return 'held';
    } catch (err) {
      if (!isAlreadyExists(err))
        this.log.warn({ lease: name, err: describeError(err) }, 'lease create failed');
      return 'error';
    }
  }

  /**
   * Stops competing; if leading, stops acting first, then clears the holder so
   * another replica takes over at its next retry. Safe to call twice.
   */
  async release(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.inFlight;
    this.stopLeading();
    // Even a non-leader may have just won the lease in a round that raced with this call.
    const { namespace, name } = this.options;
    try {
      const current = await this.api.readNamespacedLease({ name, namespace });
      if (current.spec?.holderIdentity !== this.identity) return;
      const stamp = new V1MicroTime(this.now());
      await this.api.replaceNamespacedLease({
        name,
        namespace,
        body: {
          metadata: { name, namespace, resourceVersion: current.metadata?.resourceVersion },
          // No holder, and a 1 s lease: free now, and expired soon even for a reader that missed this write.
          spec: {
            leaseDurationSeconds: 1,
            leaseTransitions: current.spec?.leaseTransitions ?? 0,
            acquireTime: stamp,
            renewTime: stamp,
          },
        },
      });
    } catch (err) {
      if (isNotFound(err)) return;
      this.log.warn({ lease: name, err: describeError(err) }, 'could not release lease; it will expire');
    }
  }
}

/** Creates an elector and starts it competing. */
export function startLeaderElection(kc: KubeConfig, options: LeaderElectionOptions): LeaderElector {
  const elector = new LeaderElector(kc, options);
  elector.start();
  return elector;
}

export type LeaseAccess =
  | { ok: true }
  | { ok: false; problem: 'forbidden'; verb: 'read' | 'create'; message: string }
  | { ok: false; problem: 'no-namespace' };

/**
 * Whether an elector could ever take this lease: it can be read, or, when
 * missing, created (a dry run, so nothing is written). The elector itself
 * retries forever, so `berth run` asks this first and explains a refusal.
 */
export async function checkLeaseAccess(
  kc: KubeConfig,
  lease: { namespace: string; name: string },
): Promise<LeaseAccess> {
  const { namespace, name } = lease;
  const api = kc.makeApiClient(CoordinationV1Api);
  try {
    await api.readNamespacedLease({ name, namespace });
    return { ok: true }; // it exists, so its namespace does
  } catch (err) {
    const status = apiStatus(err);
    if (status?.code === 403)
      return { ok: false, problem: 'forbidden', verb: 'read', message: status.message };
    if (status?.code !== 404) throw err;
  }
  try {
    await api.createNamespacedLease({
      namespace,
      body: { metadata: { name, namespace }, spec: {} },
      dryRun: 'All',
    });
    return { ok: true };
  } catch (err) {
    const status = apiStatus(err);
    if (status?.code === 409) return { ok: true }; // created meanwhile by another replica
    if (status?.code === 403)
      return { ok: false, problem: 'forbidden', verb: 'create', message: status.message };
    if (status?.code === 404) return { ok: false, problem: 'no-namespace' };
    throw err;
  }
}
