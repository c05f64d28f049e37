/**
 * A typed client for Berth objects. A Berth is named after its pod (same name,
 * same namespace), so the pod's key is the Berth's key and a crash can't make
 * a second one. Every write here is safe to repeat.
 */
import {
  CustomObjectsApi,
  type KubeConfig,
  PatchStrategy,
  type V1Pod,
  setHeaderOptions,
} from '@kubernetes/client-node';
import {
  BERTH_API_VERSION,
  BERTH_KIND,
  BERTH_PLURAL,
  type BerthObject,
  type BerthSpec,
  type BerthStatus,
  FINALIZER,
  GROUP,
} from '../model/index.ts';
import { isAlreadyExists, isConflict, isNotFound } from './api-errors.ts';

const VERSION = BERTH_API_VERSION.split('/')[1] ?? 'v1alpha1';
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** A finalizer edit races only with other finalizer edits; a few retries settle it. */
const CONFLICT_RETRIES = 5;

function asBerth(value: unknown): BerthObject {
  const o = value as Partial<BerthObject> | null;
  if (!o || o.kind !== BERTH_KIND || !o.metadata?.name || !o.spec) {
    throw new Error(
      `expected a ${BERTH_KIND} from the API server, got ${JSON.stringify(value).slice(0, 200)}`,
    );
  }
  return o as BerthObject;
}

/**
 * A new Berth for a pod: same name and namespace, owned by the pod (so the
 * garbage collector deletes it with the pod) and holding the teardown
 * finalizer (so the machine is released before the Berth disappears).
 */
export function newBerth(
  pod: Pick<V1Pod, 'metadata'> & { metadata: { name: string; namespace: string; uid: string } },
  spec: Omit<BerthSpec, 'pod'>,
): BerthObject {
  const { name, namespace, uid } = pod.metadata;
  return {
    apiVersion: BERTH_API_VERSION,
    kind: BERTH_KIND,
    metadata: {
      name,
      namespace,
      finalizers: [FINALIZER],
      ownerReferences: [{ apiVersion: 'v1', kind: 'Pod', name, uid }],
    },
    spec: { pod: { name, namespace, uid }, ...spec },
  };
}

export class BerthClient {
  private readonly api: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.api = kc.makeApiClient(CustomObjectsApi);
  }

  private ref(namespace: string, name: string) {
    return { group: GROUP, version: VERSION, plural: BERTH_PLURAL, namespace, name };
  }

  /**
   * Creates the Berth, or returns the one already stored under that name
   * (compare its spec.pod.uid: it may belong to an older pod of the same
   * name). A status in `berth` is written with it, in the same request.
   */
  async create(berth: BerthObject): Promise<BerthObject> {
    const { namespace, name } = berth.metadata;
    let stored: BerthObject;
    try {
      // The status goes in the same write: Berths have no status subresource.
      stored = asBerth(
        await this.api.createNamespacedCustomObject({
          group: GROUP,
          version: VERSION,
          plural: BERTH_PLURAL,
          namespace,
          body: berth,
        }),
      );
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
      const existing = await this.get(namespace, name);
      if (!existing) throw err;
      return existing;
    }
    return stored;
  }

  /** The Berth, or undefined when there is none. */
  async get(namespace: string, name: string): Promise<BerthObject | undefined> {
    try {
      return asBerth(await this.api.getNamespacedCustomObject(this.ref(namespace, name)));
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Every Berth, in one namespace or in all of them. */
  async list(namespace?: string): Promise<BerthObject[]> {
    const base = { group: GROUP, version: VERSION, plural: BERTH_PLURAL };
    const list: unknown = namespace
      ? await this.api.listNamespacedCustomObject({ ...base, namespace })
      : await this.api.listClusterCustomObject(base);
    const items = (list as { items?: unknown[] } | null)?.items ?? [];
    return items.map(asBerth);
  }

  /** Merge-patches the status: fields given are set, maps (timestamps) are merged. */
  async patchStatus(namespace: string, name: string, status: Partial<BerthStatus>): Promise<BerthObject> {
    return asBerth(
      await this.api.patchNamespacedCustomObject(
        { ...this.ref(namespace, name), body: { status } },
        MERGE_PATCH,
      ),
    );
  }

  /**
   * Merge-patches the spec: fields given are set, lists (fallbacks) replaced
   * whole, and a field given as undefined is removed (null in a merge patch).
   */
  async patchSpec(namespace: string, name: string, spec: Partial<BerthSpec>): Promise<BerthObject> {
    const body = Object.fromEntries(Object.entries(spec).map(([k, v]) => [k, v === undefined ? null : v]));
    return asBerth(
      await this.api.patchNamespacedCustomObject(
        { ...this.ref(namespace, name), body: { spec: body } },
        MERGE_PATCH,
      ),
    );
  }

  /**
   * Sets the finalizer list from the stored one, with the resourceVersion as
   * a precondition so a concurrent edit is never overwritten; retried on a
   * conflict. Undefined when the Berth is gone.
   */
  private async editFinalizers(
    namespace: string,
    name: string,
    edit: (finalizers: string[]) => string[] | undefined,
    also: { status?: Partial<BerthStatus>; known?: BerthObject } = {},
  ): Promise<BerthObject | undefined> {
    for (let attempt = 0; ; attempt++) {
      // A copy the caller holds saves the read the first time; a conflict means it was stale.
      const current = attempt === 0 && also.known ? also.known : await this.get(namespace, name);
      if (!current) return undefined;
      const next = edit(current.metadata.finalizers ?? []);
      if (!next) {
        return also.status ? this.patchStatus(namespace, name, also.status) : current;
      }
      try {
        return asBerth(
          await this.api.patchNamespacedCustomObject(
            {
              ...this.ref(namespace, name),
              body: {
                metadata: { finalizers: next, resourceVersion: current.metadata.resourceVersion },
                ...(also.status ? { status: also.status } : {}),
              },
            },
            MERGE_PATCH,
          ),
        );
      } catch (err) {
        if (isNotFound(err)) return undefined;
        if (!isConflict(err) || attempt >= CONFLICT_RETRIES) throw err;
      }
    }
  }

  /** Adds the finalizer if it is missing. */
  addFinalizer(namespace: string, name: string, finalizer = FINALIZER): Promise<BerthObject | undefined> {
    return this.editFinalizers(namespace, name, (f) =>
      f.includes(finalizer) ? undefined : [...f, finalizer],
    );
  }

  /**
   * Removes the finalizer; an absent finalizer or Berth is fine. With
   * `also.status`, the status is set in the same write (a Berth whose
   * machine is gone needs no finalizer, and its last phase costs no write of
   * its own); `also.known` is the Berth as the caller last saw it.
   */
  removeFinalizer(
    namespace: string,
    name: string,
    finalizer = FINALIZER,
    also: { status?: Partial<BerthStatus>; known?: BerthObject } = {},
  ): Promise<BerthObject | undefined> {
    return this.editFinalizers(
      namespace,
      name,
      (f) => (f.includes(finalizer) ? f.filter((x) => x !== finalizer) : undefined),
      also,
    );
  }

  /**
   * Deletes the Berth; already gone is fine. With `uid`, only that very
   * object is deleted, never a newer Berth that took its name.
   */
  async delete(namespace: string, name: string, preconditions: { uid?: string } = {}): Promise<void> {
    try {
      await this.api.deleteNamespacedCustomObject({
        ...this.ref(namespace, name),
        propagationPolicy: 'Background',
        body: preconditions.uid ? { preconditions: { uid: preconditions.uid } } : undefined,
      });
    } catch (err) {
      if (isNotFound(err)) return;
      // A uid precondition that no longer matches: the Berth we meant is gone.
      if (preconditions.uid && isConflict(err)) return;
      throw err;
    }
  }
}
