import { CapacityError, type CapacityReason, CloudAccessError } from '../../src/model/index.ts';

/** ARM error codes that mean "not this offering, not now": the controller tries the next one. */
const CAPACITY_CODES: Readonly<Record<string, CapacityReason>> = {
  SkuNotAvailable: 'unsupported',
  AllocationFailed: 'insufficient-capacity',
  ZonalAllocationFailed: 'insufficient-capacity',
  OverconstrainedAllocationRequest: 'insufficient-capacity',
  OverconstrainedZonalAllocationRequest: 'insufficient-capacity',
  OperationNotAllowed: 'quota',
  QuotaExceeded: 'quota',
  SpotQuotaExceeded: 'spot-limit',
  LowPriorityQuotaExceeded: 'spot-limit',
};

/** Capacity errors that another zone of the region may not have. */
export const ZONE_BOUND: ReadonlySet<CapacityReason> = new Set(['insufficient-capacity', 'unsupported']);

export interface ArmError {
  code?: string;
  statusCode?: number;
  message: string;
}

/**
 * The code and message of a failed ARM call: a RestError carries them; a
 * failed long-running operation surfaces as "The long-running operation has
 * failed. <code>. <message>".
 */
export function armErrorOf(err: unknown): ArmError {
  if (typeof err !== 'object' || err === null) return { message: String(err) };
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(err);
  const statusCode = typeof e.statusCode === 'number' ? e.statusCode : undefined;
  if (typeof e.code === 'string' && e.code !== '')
    return { code: e.code, message, ...(statusCode ? { statusCode } : {}) };
  const lro = /long-running operation has failed\. ([A-Za-z]+)\. /.exec(message);
  return { ...(lro?.[1] ? { code: lro[1] } : {}), message, ...(statusCode ? { statusCode } : {}) };
}

/** OperationNotAllowed is a quota answer only when it speaks of quota (it also guards other rules). */
function reasonOf(e: ArmError): CapacityReason | undefined {
  if (!e.code) return undefined;
  const reason = CAPACITY_CODES[e.code];
  if (e.code === 'OperationNotAllowed' && !/quota/i.test(e.message)) return undefined;
  return reason;
}

/** Azure refused berth's identity an action: names the action so the role can be fixed. */
export class AzureAccessError extends CloudAccessError {
  constructor(
    /** The RBAC action that was refused, e.g. `Microsoft.Compute/virtualMachines/write`. */
    readonly action: string,
    detail: string,
  ) {
    super(
      'azure',
      'forbidden',
      action,
      `berth's Azure identity may not perform ${action} (${detail}): add it to berth's role ` +
        '(deploy/azure/berth-controller-role.json lists every action berth needs)',
    );
    this.name = 'AzureAccessError';
  }
}

/** The action an AuthorizationFailed message names ("…perform action 'X' over scope…"), else the one berth was calling. */
export function refusedAction(message: string, calling: string): string {
  return /action '([^']+)'/.exec(message)?.[1] ?? calling;
}

/**
 * What a failed ARM call means: a CapacityError for the offering (try the
 * next), an AzureAccessError naming the action, or the error as it was.
 */
export function classifyArmError(err: unknown, action: string, offeringId?: string): Error {
  const e = armErrorOf(err);
  const reason = reasonOf(e);
  if (reason && offeringId) return new CapacityError(offeringId, reason, `${e.code}: ${e.message}`);
  if (e.code === 'AuthorizationFailed' || e.code === 'LinkedAuthorizationFailed' || e.statusCode === 403) {
    return new AzureAccessError(refusedAction(e.message, action), `${e.code ?? 'forbidden'}: ${e.message}`);
  }
  return err instanceof Error ? err : new Error(e.message);
}

export function isNotFound(err: unknown): boolean {
  const e = armErrorOf(err);
  return e.statusCode === 404 || e.code === 'ResourceNotFound' || e.code === 'NotFound';
}
