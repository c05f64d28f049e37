import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { ClusterError } from './errors.ts';
import { pidAlive } from './processes.ts';

/**
 * A cluster's state file (state.json: its PIDs, ports, paths) is the only
 * record of the processes it started, so it must always read back whole.
 * Each write goes to a temporary file that is then renamed over the old one
 * (a reader, even in another process, sees the old or the new file, never a
 * mix), and the writes of one file are queued (two overlapping writes once
 * spliced two JSON documents together, and the cluster was taken for "not
 * running" while its processes lived on).
 */

const queues = new Map<string, Promise<void>>();

/** Writes `value` as JSON to `file` atomically, after every earlier write to it has finished. */
export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  const text = `${JSON.stringify(value, null, 2)}\n`;
  const previous = queues.get(file) ?? Promise.resolve();
  const next = previous
    .catch(() => {}) // a failed write is its caller's error, not the next one's
    .then(async () => {
      const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
      try {
        await writeFile(tmp, text, { mode: 0o600 });
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
    });
  queues.set(file, next);
  // Forget the queue once it is idle, so it holds no memory per cluster ever started.
  void next.then(
    () => queues.get(file) === next && queues.delete(file),
    () => queues.get(file) === next && queues.delete(file),
  );
  return next;
}

/** A process a state file still names, found without trusting the file to parse. */
export interface NamedProcess {
  component?: string;
  pid: number;
  alive: boolean;
}

/**
 * Every PID a damaged state file still names: each `"pid": N` (with the
 * `"component"` just before it when there is one) and the owner's PID.
 */
export function scanPids(text: string): NamedProcess[] {
  const found = new Map<number, NamedProcess>();
  const record = /(?:"component"\s*:\s*"([^"\n]{1,64})"\s*,\s*)?"(?:pid|ownerPid)"\s*:\s*(\d{1,10})/g;
  for (const m of text.matchAll(record)) {
    const pid = Number(m[2]);
    if (!Number.isSafeInteger(pid) || pid <= 1 || found.has(pid)) continue;
    found.set(pid, { ...(m[1] ? { component: m[1] } : {}), pid, alive: pidAlive(pid) });
  }
  return [...found.values()];
}

/** A state file that exists but does not read back: never the same as "not running". */
export class StateFileUnreadableError extends ClusterError {
  constructor(
    readonly file: string,
    readonly why: string,
    readonly named: readonly NamedProcess[],
  ) {
    const alive = named.filter((p) => p.alive);
    const list = (ps: readonly NamedProcess[]) =>
      ps.map((p) => `${p.pid}${p.component ? ` (${p.component})` : ''}`).join(', ');
    super(
      'cluster',
      `its state file ${file} cannot be read (${why}), so berth cannot tell what it started; ` +
        (named.length === 0
          ? 'the file names no PIDs'
          : `the file still names PIDs ${list(named)}, of which ${alive.length === 0 ? 'none is' : `${list(alive)} ${alive.length === 1 ? 'is' : 'are'}`} running`),
      undefined,
      alive.length > 0
        ? `check those PIDs are the cluster's (ps -p ${alive.map((p) => p.pid).join(',')}), stop them with kill ${alive.map((p) => p.pid).join(' ')}, then remove the state file`
        : 'nothing it names is running: remove the state file and start the cluster again',
    );
  }
}

/**
 * The parsed state file; undefined only when there is none (the cluster is
 * not running). A file that exists but cannot be read or parsed throws
 * StateFileUnreadableError with the PIDs it still names.
 */
export async function readJsonState<T>(
  file: string,
  check: (value: unknown) => value is T,
): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = err instanceof Error && 'code' in err ? String(err.code) : '';
    if (code === 'ENOENT') return undefined;
    throw new StateFileUnreadableError(file, code || String(err), []);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StateFileUnreadableError(
      file,
      `not valid JSON: ${err instanceof Error ? err.message : String(err)}`,
      scanPids(text),
    );
  }
  if (!check(value)) throw new StateFileUnreadableError(file, 'not a cluster state', scanPids(text));
  return value;
}
