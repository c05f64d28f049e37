/**
 * Offerings a cloud just refused (no capacity, quota, unsupported), kept out
 * of decisions for a while so the next launch goes straight to a fallback.
 */
export class UnavailableOfferings {
  private readonly until = new Map<string, number>();

  constructor(
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  mark(offeringId: string): void {
    this.until.set(offeringId, this.now() + this.ttlMs);
  }

  has(offeringId: string): boolean {
    const t = this.until.get(offeringId);
    if (t === undefined) return false;
    if (t > this.now()) return true;
    this.until.delete(offeringId);
    return false;
  }

  /** The current set, for the placement engine (expired entries dropped). */
  snapshot(): ReadonlySet<string> {
    const now = this.now();
    for (const [id, t] of this.until) if (t <= now) this.until.delete(id);
    return new Set(this.until.keys());
  }
}
