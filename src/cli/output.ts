import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { apiStatus } from '../kube/api-errors.ts';
import { InputError } from '../model/index.ts';

export type OutputFormat = 'table' | 'json';

export function parseOutputFormat(value: string): OutputFormat {
  if (value === 'table' || value === 'json') return value;
  throw new InputError(`expected "table" or "json", got "${value}"`, { field: '--output' });
}

/** Left-aligned columns with a header row, like kubectl's default output. */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The version in the package.json above this file (the source checkout's, or the image's beside dist/). */
export function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown; version?: unknown };
      if (pkg.name === 'berth' && typeof pkg.version === 'string') return pkg.version;
    }
    const parent = dirname(dir);
    if (parent === dir) return 'unknown';
    dir = parent;
  }
}

function field(err: unknown, key: string): unknown {
  return typeof err === 'object' && err !== null ? (err as Record<string, unknown>)[key] : undefined;
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

const FILE_CODES: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
};

/** The error and its causes, outermost first (a fetch failure keeps the socket's error in `cause`). */
function chain(err: unknown): unknown[] {
  const out: unknown[] = [];
  for (let e: unknown = err; e !== undefined && e !== null && out.length < 5; e = field(e, 'cause'))
    out.push(e);
  return out;
}

/**
 * One sentence for the errors a person causes or can fix (bad input, a
 * refused or unreachable API server, a missing file, malformed YAML);
 * undefined for anything else, which is a bug.
 */
export function describeUserError(err: unknown): string | undefined {
  if (err instanceof InputError || (err instanceof Error && err.name === 'UserFacingError'))
    return err.message;
  const status = apiStatus(err);
  if (status) {
    const reason = status.reason ? ` ${status.reason}` : '';
    if (status.code === 401) {
      return `the Kubernetes API server did not accept the kubeconfig's credentials (401${reason}): ${status.message}`;
    }
    if (status.code === 403) {
      return `the Kubernetes API server refused (403${reason}): ${status.message}; grant that RBAC permission to the identity in the kubeconfig`;
    }
    return `the Kubernetes API server answered ${status.code}${reason}: ${status.message}`;
  }
  for (const e of chain(err)) {
    const code = field(e, 'code');
    if (field(e, 'syscall') === 'listen' && typeof code === 'string') {
      const where = `${String(field(e, 'address') ?? '')}:${String(field(e, 'port') ?? '')}`;
      return `cannot listen on ${where} (${code}${code === 'EADDRINUSE' ? ': another process listens there' : ''}); choose another address`;
    }
    if (typeof code === 'string' && CONNECTION_CODES.has(code)) {
      const address = field(e, 'address');
      const port = field(e, 'port');
      const host = field(e, 'hostname') ?? field(e, 'host');
      // node-fetch names only the URL, in its message: "request to https://host:port/... failed".
      const url = /request to (https?:\/\/[^/\s]+)/.exec(err instanceof Error ? err.message : '')?.[1];
      const where =
        url !== undefined
          ? url
          : typeof address === 'string'
            ? `${address}${typeof port === 'number' ? `:${port}` : ''}`
            : typeof host === 'string'
              ? host
              : 'the server';
      return `cannot reach ${where} (${code}); check the address and that it is running`;
    }
    if (typeof code === 'string' && code in FILE_CODES && typeof field(e, 'path') === 'string') {
      return `${String(field(e, 'path'))}: ${FILE_CODES[code]}`;
    }
  }
  const aws = field(err, '$metadata');
  if (err instanceof Error && typeof aws === 'object' && aws !== null) {
    // An AWS SDK service error: the service's own name for it and its message.
    const status = field(aws, 'httpStatusCode');
    return `AWS refused the request (${err.name}${typeof status === 'number' ? `, HTTP ${status}` : ''}): ${err.message}`;
  }
  if (err instanceof Error) {
    if (err.name === 'YAMLParseError' || err.name === 'YAMLException' || err.name === 'YAMLWarning') {
      return `malformed YAML: ${err.message.split('\n')[0]}`;
    }
    if (err.name === 'TimeoutError') return `timed out: ${err.message}`;
  }
  return undefined;
}

/**
 * Errors a person can act on are printed as one message (with the stack only
 * under BERTH_DEBUG=1); anything else is a bug and keeps its stack.
 */
export function reportError(err: unknown): number {
  const stack = err instanceof Error ? (err.stack ?? err.message) : String(err);
  const message = describeUserError(err);
  if (message !== undefined) {
    process.stderr.write(`error: ${message}\n`);
    if (process.env.BERTH_DEBUG) process.stderr.write(`${stack}\n`);
    return 1;
  }
  process.stderr.write(
    `error: ${stack}\n(this is a bug in berth; please report it with the command you ran)\n`,
  );
  return 2;
}
