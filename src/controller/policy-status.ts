import { POLICY_CONDITION_VALID, type PolicyCondition, type PolicySpec } from '../model/index.ts';
import type { PolicySource } from './policy-resolution.ts';

/**
 * The `Valid` condition of a PlacementPolicy, for the rules the API server's
 * schema can't check (a pattern that doesn't compile, min above max, an
 * unsupported isolation mode). Undefined when the current condition already
 * says the same, so a policy is written only when its verdict changes.
 */
export function validCondition(
  policy: { name: string; spec: PolicySpec | undefined; generation?: number },
  policies: PolicySource,
  current: PolicyCondition | undefined,
  now: () => string = () => new Date().toISOString(),
): PolicyCondition | undefined {
  let status: PolicyCondition['status'] = 'True';
  let reason = 'Valid';
  let message = 'berth can place pods with this policy';
  try {
    policies.fromSpec(policy.name, policy.spec ?? {});
  } catch (err) {
    status = 'False';
    reason = 'Invalid';
    message = err instanceof Error ? err.message : String(err);
  }
  const same =
    current?.status === status &&
    current.reason === reason &&
    current.message === message &&
    current.observedGeneration === policy.generation;
  if (same) return undefined;
  return {
    type: POLICY_CONDITION_VALID,
    status,
    reason,
    message,
    lastTransitionTime: current?.status === status ? current.lastTransitionTime : now(),
    ...(policy.generation !== undefined ? { observedGeneration: policy.generation } : {}),
  };
}
