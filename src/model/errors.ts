/**
 * Bad input from a person: names where it is (document, object, field) and
 * what was expected, so the CLI can print it without a stack trace.
 */
export class InputError extends Error {
  constructor(
    message: string,
    readonly where: { source?: string; object?: string; field?: string } = {},
  ) {
    const prefix = [where.source, where.object, where.field].filter(Boolean).join(': ');
    super(prefix ? `${prefix}: ${message}` : message);
    this.name = 'InputError';
  }
}

export type CapacityReason = 'insufficient-capacity' | 'quota' | 'spot-limit' | 'unsupported';

/** The cloud can't sell this offering right now; the controller tries the next one. */
export class CapacityError extends Error {
  constructor(
    readonly offeringId: string,
    readonly reason: CapacityReason,
    detail?: string,
  ) {
    super(`${offeringId}: ${reason}${detail ? ` (${detail})` : ''}`);
    this.name = 'CapacityError';
  }
}

/**
 * A machine with the claim's name already exists but was launched for another
 * claim: never hand it out, since it may be running someone else's pod.
 */
export class ClaimConflictError extends Error {
  constructor(
    readonly claimId: string,
    readonly nodeName: string,
    readonly ownerClaimId: string | undefined,
  ) {
    super(
      `node ${nodeName} already exists for claim ${ownerClaimId ?? '(none)'}, not ${claimId}; ` +
        'delete that node or launch this claim under another node name',
    );
    this.name = 'ClaimConflictError';
  }
}

/** Why a cloud refused berth itself; retrying never helps these. */
export type AccessProblem = 'missing-credentials' | 'rejected-credentials' | 'forbidden';

/**
 * A cloud refused berth itself (no credentials, bad credentials, a missing
 * permission), whichever cloud: the message says which permission and what
 * to fix. Each cloud's subclass words the message; callers catch this one.
 */
export class CloudAccessError extends Error {
  constructor(
    readonly cloud: string,
    readonly problem: AccessProblem,
    /** The permission that was refused, e.g. `ec2:RunInstances` or `compute.instances.create`. */
    readonly permission: string,
    message: string,
  ) {
    super(message);
    this.name = 'CloudAccessError';
  }
}
