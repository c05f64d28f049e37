import type { Decision } from '../model/index.ts';

/**
 * Decisions of equal pods, shared: a burst is often one Job's many
 * completions, pods with one spec and one policy, decided against one
 * catalog. The key is everything a decision reads; each pod still gets a
 * Decision of its own (its own ref, the same why), and the machine it
 * launches is its own. Cleared whenever the catalog changes.
 */
export class SharedDecisions {
  private readonly byKey = new Map<string, Decision>();
  private readonly ids = new WeakMap<object, number>();
  private nextId = 0;
  private served = 0;

  constructor(private readonly capacity = 512) {}

  /** Decisions served from an equal pod's. */
  get hits(): number {
    return this.served;
  }

  /**
   * Objects the caller keeps while they are unchanged (an informer's cached
   * DaemonSet specs) are keyed by identity, so a long list costs a number each.
   */
  identity(o: object): number {
    let id = this.ids.get(o);
    if (id === undefined) {
      id = ++this.nextId;
      this.ids.set(o, id);
    }
    return id;
  }

  get(key: string, pod: Decision['pod']): Decision | undefined {
    const d = this.byKey.get(key);
    if (!d) return undefined;
    this.served += 1;
    return { ...d, pod };
  }

  set(key: string, d: Decision): void {
    // Oldest first out: a Map keeps insertion order.
    if (this.byKey.size >= this.capacity) {
      const oldest = this.byKey.keys().next().value;
      if (oldest !== undefined) this.byKey.delete(oldest);
    }
    this.byKey.set(key, d);
  }

  clear(): void {
    this.byKey.clear();
  }
}
