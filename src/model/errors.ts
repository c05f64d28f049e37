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
