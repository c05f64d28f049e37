import { type AccessProblem, CapacityError, type CapacityReason, CloudAccessError } from './errors.ts';

/**
 * What an AWS SDK v3 error means to berth, for pricing/ and providers/ alike:
 * a capacity answer (try the next offering), an access problem a person must
 * fix (which IAM action, what to do), throttling (try again later), or
 * anything else. Read structurally (name, Code, HTTP status), so it holds for
 * every client and needs no SDK here.
 */

/** The AWS error code (`InsufficientInstanceCapacity`, …) of an SDK error, or undefined. */
export function awsErrorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { name?: unknown; Code?: unknown };
  if (typeof e.Code === 'string') return e.Code;
  return typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
}

/** The HTTP status AWS answered with, when the error came from an answer. */
export function awsErrorStatus(err: unknown): number | undefined {
  const status = prop(prop(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** `Code (HTTP 503)`: how an error is named in our messages. */
export function describeAwsError(err: unknown): string {
  const status = awsErrorStatus(err);
  return `${awsErrorCode(err) ?? 'Error'}${status !== undefined ? `, HTTP ${status}` : ''}`;
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Each service spells "slow down" its own way; 429 and 503 mean it whatever the body says. */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'EC2ThrottledException',
  'RequestThrottled',
  'RequestThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'SlowDown',
  'ServiceUnavailable',
  'ServiceUnavailableException',
]);

/** AWS refused the call before doing it, because too many came: retrying later is safe for any call. */
export function isThrottling(err: unknown): boolean {
  const code = awsErrorCode(err);
  const status = awsErrorStatus(err);
  return (code !== undefined && THROTTLING.has(code)) || status === 429 || status === 503;
}

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

export function isCapacityCode(code: string | undefined): boolean {
  return code !== undefined && code in CAPACITY_CODES;
}

export type AwsAccessProblem = AccessProblem;

const MISSING = new Set(['CredentialsProviderError']);
const REJECTED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'AuthFailure',
  'InvalidSignatureException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'RequestExpired',
]);
const FORBIDDEN = new Set([
  'AccessDeniedException',
  'AccessDenied',
  'UnauthorizedOperation',
  'OptInRequired',
]);

/** Which access problem an error is, if it is one: retrying never helps these. */
export function accessProblemOf(err: unknown): AwsAccessProblem | undefined {
  const code = awsErrorCode(err);
  if (code !== undefined && MISSING.has(code)) return 'missing-credentials';
  if (code !== undefined && REJECTED.has(code)) return 'rejected-credentials';
  if ((code !== undefined && FORBIDDEN.has(code)) || awsErrorStatus(err) === 403) return 'forbidden';
  return undefined;
}

/** AWS refused berth itself (no credentials, bad credentials, a missing permission): says which action and what to fix. */
export class AwsAccessError extends CloudAccessError {
  constructor(
    problem: AwsAccessProblem,
    /** The IAM action that was refused, e.g. `ec2:RunInstances`. */
    readonly action: string,
    detail: string,
  ) {
    super('aws', problem, action, accessMessage(problem, action, detail));
    this.name = 'AwsAccessError';
  }
}

function accessMessage(problem: AwsAccessProblem, action: string, detail: string): string {
  switch (problem) {
    case 'missing-credentials':
      return (
        `no AWS credentials for ${action} (${detail}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
        '(or AWS_PROFILE), or run berth with an IAM role (EKS Pod Identity, IRSA, an instance profile)'
      );
    case 'rejected-credentials':
      return (
        `AWS rejected berth's credentials on ${action} (${detail}): the access key is unknown, expired or its ` +
        'secret is wrong; renew them (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or fix the role'
      );
    case 'forbidden':
      return (
        `berth's credentials may not call ${action} (${detail}): grant ${action} to the role or user berth runs as ` +
        '(deploy/iam/berth-controller-policy.json lists every action berth calls; an encoded message decodes ' +
        'with `aws sts decode-authorization-message`)'
      );
  }
}

/**
 * An access problem as an AwsAccessError naming `action`; any other error as
 * it was (an Error either way).
 */
export function classifyAwsError(err: unknown, action: string): Error {
  const problem = accessProblemOf(err);
  if (problem)
    return new AwsAccessError(problem, action, `${awsErrorCode(err) ?? 'error'}: ${messageOf(err)}`);
  return err instanceof Error ? err : new Error(messageOf(err));
}

/**
 * What a failed launch means: a CapacityError for the offering (try the next
 * one), an AwsAccessError naming the IAM action (fix the role), or the error
 * as it was (the controller retries the launch with backoff).
 */
export function classifyEc2Error(err: unknown, offeringId: string, action = 'ec2:RunInstances'): Error {
  const code = awsErrorCode(err);
  const reason = code !== undefined ? CAPACITY_CODES[code] : undefined;
  if (reason) return new CapacityError(offeringId, reason, `${code}: ${messageOf(err)}`);
  return classifyAwsError(err, action);
}

/** Which failed calls may be sent again: every call on throttling, or also on transient failures. */
export type AwsRetryOn = 'throttling' | 'throttling-and-transient';

/**
 * Whether a failed call may be sent again (the SDK's retry strategy then
 * decides when and how often, within its bound). Capacity and access answers
 * never are: EC2 sends InsufficientInstanceCapacity as HTTP 500, which the
 * SDK would otherwise take for a transient failure. `errorType` is the SDK's
 * reading of the error (THROTTLING, TRANSIENT, SERVER_ERROR, CLIENT_ERROR).
 */
export function mayRetryAwsCall(err: unknown, errorType: string, on: AwsRetryOn): boolean {
  if (isCapacityCode(awsErrorCode(err)) || accessProblemOf(err) !== undefined) return false;
  if (errorType === 'THROTTLING' || isThrottling(err)) return true;
  return on === 'throttling-and-transient' && errorType === 'TRANSIENT';
}

function prop(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}
