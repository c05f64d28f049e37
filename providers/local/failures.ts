import type { CapacityReason, CapacityType, Offering } from '../../src/model/index.ts';

/** Which launches a simulated fault applies to, `times` times (absent: always). Fields left out match anything. */
export interface OfferingMatch {
  offeringId?: string;
  instanceType?: string;
  capacityType?: CapacityType;
  times?: number;
}

/** A capacity failure the simulated cloud should report, for tests and the demo. */
export interface CapacityFailureRule extends OfferingMatch {
  reason: CapacityReason;
}

export function ruleMatches(rule: OfferingMatch, o: Offering): boolean {
  return (
    (rule.offeringId === undefined || rule.offeringId === o.id) &&
    (rule.instanceType === undefined || rule.instanceType === o.instanceType) &&
    (rule.capacityType === undefined || rule.capacityType === o.capacityType)
  );
}

/** The rules in force, oldest first; the first match decides and uses up one of its `times`. */
export interface FailureRules<R extends OfferingMatch> {
  add(rule: R): void;
  /** The rule that applies to a launch of `o` now, or undefined when it goes ahead as normal. */
  take(o: Offering): R | undefined;
}

export function createFailureRules<R extends OfferingMatch>(initial: readonly R[] = []): FailureRules<R> {
  // Copies, so counting down never edits the caller's objects.
  const rules: R[] = [];
  const add = (rule: R): void => {
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
      throw new RangeError(`simulated fault: times must be a whole number >= 0, got ${rule.times}`);
    }
    if (rule.times !== 0) rules.push({ ...rule });
  };
  for (const rule of initial) add(rule);
  return {
    add,
    take(o) {
      const index = rules.findIndex((r) => ruleMatches(r, o));
      const rule = rules[index];
      if (!rule) return undefined;
      if (rule.times !== undefined) {
        rule.times -= 1;
        if (rule.times === 0) rules.splice(index, 1);
      }
      return rule;
    },
  };
}
