import type { CapacityReason, CapacityType, Offering } from '../../src/model/index.ts';

/**
 * A capacity failure the simulated cloud should report, for tests and the
 * demo: launches of matching offerings fail with `reason`, `times` times
 * (absent: always). Fields left out match anything.
 */
export interface CapacityFailureRule {
  offeringId?: string;
  instanceType?: string;
  capacityType?: CapacityType;
  reason: CapacityReason;
  times?: number;
}

export function ruleMatches(rule: CapacityFailureRule, o: Offering): boolean {
  return (
    (rule.offeringId === undefined || rule.offeringId === o.id) &&
    (rule.instanceType === undefined || rule.instanceType === o.instanceType) &&
    (rule.capacityType === undefined || rule.capacityType === o.capacityType)
  );
}

/** The rules in force, oldest first; the first match decides and uses up one of its `times`. */
export interface FailureRules {
  add(rule: CapacityFailureRule): void;
  /** The reason a launch of `o` fails now, or undefined when it may go ahead. */
  take(o: Offering): CapacityFailureRule['reason'] | undefined;
}

export function createFailureRules(initial: readonly CapacityFailureRule[] = []): FailureRules {
  // Copies, so counting down never edits the caller's objects.
  const rules: CapacityFailureRule[] = [];
  const add = (rule: CapacityFailureRule): void => {
    if (rule.times !== undefined && !(Number.isInteger(rule.times) && rule.times >= 0)) {
      throw new RangeError(`capacity failure rule: times must be a whole number >= 0, got ${rule.times}`);
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
      return rule.reason;
    },
  };
}
