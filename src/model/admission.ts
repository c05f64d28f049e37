/**
 * The admission webhook's names and the wire shapes of admission.k8s.io/v1
 * AdmissionReview (only the fields berth reads or writes).
 */

/** On a pod or its namespace: "true" opts the pod in through the webhook; "false" on a pod opts it out. */
export const LABEL_ENABLED = 'berth.dev/enabled';
/** What the webhook decided at creation, as JSON (see AdmissionDecision). */
export const ANNOTATION_DECISION = 'berth.dev/decision';
/**
 * On a pod the webhook sent to a serverless platform's own scheduler: which
 * platform (a Fargate profile selects it). With the installation's
 * berth.dev/cluster label, how the controller finds the pods it keeps the
 * Berth and cost of but does not schedule.
 */
export const LABEL_PLATFORM = 'berth.dev/platform';
/** On a pod whose CPU request shape fit trimmed at creation: each trimmed container's request before, as JSON. */
export const ANNOTATION_ORIGINAL_CPU_REQUEST = 'berth.dev/original-cpu-request';
/** The path the webhook is served on. */
export const WEBHOOK_PATH = '/mutate-pods';

export type FailurePolicy = 'Ignore' | 'Fail';
export const FAILURE_POLICIES: readonly FailurePolicy[] = ['Ignore', 'Fail'];

/** What the webhook records on the pod it admitted: the offering, its price, and why. */
export interface AdmissionDecision {
  offering: string;
  capacityType: string;
  pricePerHour: string;
  /** Serverless only: the shape the platform runs the pod as, e.g. `500m/1536Mi`. */
  shape?: string;
  /** Who carries the decision out: `berth` (the controller) or the platform's own scheduler. */
  via: string;
  policy: string;
  why: string;
  /** Node selector keys the webhook added to route the pod (not the pod's own ask), left out when deciding again. */
  addedNodeSelector?: string[];
}

/** One RFC 6902 operation of the patch the webhook answers with. */
export interface JsonPatchOp {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: unknown;
}

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  operation?: string;
  namespace?: string;
  dryRun?: boolean;
  object?: unknown;
}

export interface AdmissionResponse {
  uid: string;
  allowed: boolean;
  patchType?: 'JSONPatch';
  /** base64 of the JSON patch. */
  patch?: string;
  warnings?: string[];
}

export interface AdmissionReview {
  apiVersion: 'admission.k8s.io/v1';
  kind: 'AdmissionReview';
  response: AdmissionResponse;
}
