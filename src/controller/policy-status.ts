import {
  type OnOffer,
  POLICY_CONDITION_VALID,
  type PolicyCondition,
  type PolicyFinding,
  type PolicySpec,
} from '../model/index.ts';
import type { PolicySource } from './policy-resolution.ts';

function lines(findings: readonly PolicyFinding[]): string {
  return findings.map((f) => `${f.field}: ${f.message}`).join('; ');
}

/** The CRD caps a condition's message (metav1.Condition: 32768); stay well inside it. */
export const MAX_MESSAGE = 8192;

function capped(message: string): string {
  if (message.length <= MAX_MESSAGE) return message;
  const tail = ` ... (${message.length - MAX_MESSAGE} more characters; berth policy validate lists everything)`;
  return `${message.slice(0, MAX_MESSAGE - tail.length)}${tail}`;
}

/**
 * The `Valid` condition of a PlacementPolicy, for the rules the API server's
 * schema can't check (a pattern that doesn't compile, min above max,
 * contradicting fields) and against what this controller can buy (a zone,
 * region, cloud or family nothing on offer has). Warnings leave it True and
 * go in its message. Undefined when the current condition already says the
 * same, so a policy is written only when its verdict changes.
 */
export function validCondition(
  policy: { name: string; spec: PolicySpec | undefined; generation?: number },
  policies: PolicySource,
  current: PolicyCondition | undefined,
  now: () => string = () => new Date().toISOString(),
  onOffer?: OnOffer,
): PolicyCondition | undefined {
  const spec = policy.spec ?? {};
  const findings = policies.judge(spec, onOffer);
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  let status: PolicyCondition['status'] = 'True';
  let reason = 'Valid';
  let message = 'berth can place pods with this policy';
  if (errors.length > 0) {
    status = 'False';
    reason = 'Invalid';
    message = lines(errors);
  } else {
    try {
      policies.fromSpec(policy.name, spec);
    } catch (err) {
      status = 'False';
      reason = 'Invalid';
      message = err instanceof Error ? err.message : String(err);
    }
  }
  if (warnings.length > 0) {
    if (status === 'True') reason = 'ValidWithWarnings';
    message = `${message}; warnings: ${lines(warnings)}`;
  }
  message = capped(message);
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
