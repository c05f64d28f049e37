import { CapacityError, type CapacityReason } from '../../src/model/index.ts';

/**
 * EC2's answers that mean "not this offering, not now": the controller marks
 * the offering unavailable for a while and launches the next one. Codes from
 * the EC2 API's error reference.
 */
const CAPACITY_CODES: Readonly<Record<string, CapacityReason>> = {
  InsufficientInstanceCapacity: 'insufficient-capacity',
  InsufficientCapacity: 'insufficient-capacity',
  InsufficientHostCapacity: 'insufficient-capacity',
  InsufficientReservedInstanceCapacity: 'insufficient-capacity',
  InsufficientFreeAddressesInSubnet: 'insufficient-capacity',
  UnfulfillableCapacity: 'insufficient-capacity',
  InstanceLimitExceeded: 'quota',
  VcpuLimitExceeded: 'quota',
  MaxSpotInstanceCountExceeded: 'spot-limit',
  SpotMaxPriceTooLow: 'spot-limit',
  Unsupported: 'unsupported',
  UnsupportedOperation: 'unsupported',
};

export type AwsAccessProblem = 'missing-credentials' | 'rejected-credentials' | 'forbidden';

const REJECTED = new Set([
  'AuthFailure',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);
const FORBIDDEN = new Set([
  'UnauthorizedOperation',
  'AccessDenied',
  'AccessDeniedException',
  'OptInRequired',
]);
const MISSING = new Set(['CredentialsProviderError']);

/** AWS refused berth itself (no credentials, bad credentials, a missing permission): retrying won't help. */
export class AwsAccessError extends Error {
  constructor(
    readonly problem: AwsAccessProblem,
    /** The IAM action that was refused, e.g. `ec2:RunInstances`. */
    readonly action: string,
    detail: string,
  ) {
    super(accessMessage(problem, action, detail));
    this.name = 'AwsAccessError';
  }
}

function accessMessage(problem: AwsAccessProblem, action: string, detail: string): string {
  switch (problem) {
    case 'missing-credentials':
      return (
        `no AWS credentials for ${action} (${detail}): run berth with an IAM role (EKS Pod Identity or IRSA) ` +
        'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE)'
      );
    case 'rejected-credentials':
      return (
        `AWS rejected berth's credentials on ${action} (${detail}): the key is unknown, expired or its secret ` +
        'is wrong; renew them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or fix the role'
      );
    case 'forbidden':
      return (
        `berth's IAM role may not call ${action} (${detail}): grant it with deploy/iam/berth-controller-policy.json ` +
        '(an encoded message decodes with `aws sts decode-authorization-message`)'
      );
  }
}

/** The AWS error code (`InsufficientInstanceCapacity`, …) of an SDK error, or undefined. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function isCapacityCode(code: string | undefined): boolean {
  return code !== undefined && code in CAPACITY_CODES;
}

/**
 * What an EC2 failure means to berth: a CapacityError (try the next offering),
 * an AwsAccessError naming the IAM action (fix the role), or the error as it
 * was (retried with backoff by the controller).
 */
export function classifyEc2Error(err: unknown, offeringId: string, action = 'ec2:RunInstances'): Error {
  const code = awsErrorCode(err);
  const detail = `${code ?? 'error'}: ${messageOf(err)}`;
  if (code !== undefined) {
    const reason = CAPACITY_CODES[code];
    if (reason) return new CapacityError(offeringId, reason, detail);
    if (MISSING.has(code)) return new AwsAccessError('missing-credentials', action, detail);
    if (REJECTED.has(code)) return new AwsAccessError('rejected-credentials', action, detail);
    if (FORBIDDEN.has(code)) return new AwsAccessError('forbidden', action, detail);
  }
  return err instanceof Error ? err : new Error(detail);
}

/** The same mapping for calls that buy nothing (describe, terminate, SQS): only access errors are translated. */
export function classifyAwsError(err: unknown, action: string): Error {
  const code = awsErrorCode(err);
  if (code !== undefined && !isCapacityCode(code)) return classifyEc2Error(err, '', action);
  return err instanceof Error ? err : new Error(messageOf(err));
}
