import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const live = new Set<ChildProcess>();

// Whatever happens to the test run, no controller it started outlives it.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** A real `berth run` process (bin/berth.js, as a user starts it), logging to a file. */
export interface BerthProcess {
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves once its controller runs (synced, acting), or when it exits or `timeoutMs` passes. */
  acting(timeoutMs: number): Promise<boolean>;
  /** SIGKILL, as a crash or an OOM kill would; resolves once it has exited. */
  kill(): Promise<void>;
  readonly alive: boolean;
}

export function spawnBerth(args: string[], log: string, env: NodeJS.ProcessEnv = {}): BerthProcess {
  const fd = openSync(log, 'a');
  const child = spawn(process.execPath, [join(repo, 'bin', 'berth.js'), 'run', ...args], {
    cwd: repo,
    stdio: ['ignore', fd, fd],
    env: { ...process.env, BERTH_LOG_LEVEL: 'info', ...env },
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error('could not start berth run');
  live.add(child);
  let alive = true;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      alive = false;
      live.delete(child);
      resolve();
    }),
  );
  return {
    pid: child.pid,
    startedAt: Date.now(),
    get alive() {
      return alive;
    },
    async acting(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (alive && Date.now() < deadline) {
        if (readFileSync(log, 'utf8').includes('"msg":"controller started"')) return true;
        await sleep(100);
      }
      return false;
    },
    async kill() {
      if (alive) child.kill('SIGKILL');
      await exited;
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Kills the controller at seeded moments and restarts it after a seeded
 * delay: `uptimeMs` after the i-th one started acting (so every kill lands
 * on a working controller, however slow its start), then `downMs` later a new one.
 */
export async function killAndRestart(
  start: () => BerthProcess,
  plan: { uptimeMs: number; downMs: number }[],
  onKill: (p: BerthProcess) => void = () => {},
): Promise<BerthProcess> {
  let current = start();
  for (const { uptimeMs, downMs } of plan) {
    await current.acting(60_000);
    await sleep(uptimeMs);
    await current.kill();
    onKill(current);
    await sleep(downMs);
    current = start();
  }
  return current;
}
