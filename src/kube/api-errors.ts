/**
 * Reading the API server's answer out of a failed client-node call. In 1.x an
 * error is an ApiException whose body is the raw text of a metav1.Status, so
 * the status code and the server's own message are dug out here, once.
 */

export interface ApiStatus {
  code: number;
  /** metav1.Status reason, e.g. NotFound, AlreadyExists, Conflict, Invalid. */
  reason?: string;
  /** The server's message, which names the object and the field. */
  message: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** The HTTP status and metav1.Status of an API error; undefined for anything else (network, bugs). */
export function apiStatus(err: unknown): ApiStatus | undefined {
  if (!isRecord(err)) return undefined;
  const code = typeof err.code === 'number' ? err.code : err.statusCode;
  if (typeof code !== 'number' || code < 100) return undefined;
  let body: unknown = err.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      // not JSON: keep the text as the message
    }
  }
  if (isRecord(body)) {
    return {
      code,
      reason: typeof body.reason === 'string' ? body.reason : undefined,
      message: typeof body.message === 'string' ? body.message : String(err.message ?? code),
    };
  }
  return {
    code,
    message: typeof body === 'string' && body ? body : String(err.message ?? code),
  };
}

export function isNotFound(err: unknown): boolean {
  return apiStatus(err)?.code === 404;
}

/** 409: an optimistic-concurrency conflict or an object that already exists. */
export function isConflict(err: unknown): boolean {
  return apiStatus(err)?.code === 409;
}

export function isAlreadyExists(err: unknown): boolean {
  const s = apiStatus(err);
  return s?.code === 409 && s.reason === 'AlreadyExists';
}

/** A one-line description of any error, preferring the API server's message. */
export function describeError(err: unknown): string {
  const s = apiStatus(err);
  if (s) return `${s.code}${s.reason ? ` ${s.reason}` : ''}: ${s.message}`;
  return err instanceof Error ? err.message : String(err);
}
