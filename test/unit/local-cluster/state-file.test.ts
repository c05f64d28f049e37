import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ClusterState, readState, writeState } from '../../../src/local-cluster/cluster.ts';
import { StateFileUnreadableError, scanPids } from '../../../src/local-cluster/state-file.ts';
import { hasStack, runCli } from '../cli/run-cli.ts';

const root = mkdtempSync(join(tmpdir(), 'berth-state-'));
const previousRoot = process.env.BERTH_STATE_DIR;
let sleeper: ChildProcess;

beforeAll(() => {
  process.env.BERTH_STATE_DIR = root;
  // A live process for the damaged file to name (this test's own, stopped at the end).
  sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
});

afterAll(() => {
  sleeper.kill('SIGKILL');
  if (previousRoot === undefined) delete process.env.BERTH_STATE_DIR;
  else process.env.BERTH_STATE_DIR = previousRoot;
  rmSync(root, { recursive: true, force: true });
});

function state(name: string, processes: number): ClusterState {
  return {
    name,
    dir: join(root, name),
    kubeconfig: join(root, name, 'kubeconfig'),
    server: 'https://127.0.0.1:6443',
    startedAt: new Date(0).toISOString(),
    health: {} as ClusterState['health'],
    processes: Array.from({ length: processes }, (_, i) => ({
      component: 'etcd' as const,
      pid: 100_000 + i,
      binary: '/nonexistent/etcd',
      log: `/nonexistent/${i}.log`,
    })),
  };
}

/** A state file as two overlapping writes used to leave it: one JSON document spliced into another. */
function splicedStateFile(name: string, pid: number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const whole = JSON.stringify(
    { ...state(name, 0), processes: [{ component: 'etcd', pid, binary: '/bin/sleep', log: 'x' }] },
    null,
    2,
  );
  const file = join(dir, 'state.json');
  writeFileSync(file, `${whole}${whole.slice(0, 120)}\n  "component": "kwok",\n  "pid": 4000000`);
  return file;
}

describe('local cluster state file', () => {
  it('concurrent writes of states of different sizes never leave a file that does not read back', async () => {
    const name = 'racing';
    mkdirSync(join(root, name), { recursive: true });
    const sizes = Array.from({ length: 120 }, (_, i) => (i * 37) % 23);
    let reads = 0;
    let writing = true;
    // A reader polling throughout: every read must be one whole state.
    const reader = (async () => {
      while (writing) {
        const s = await readState(name);
        if (s) {
          expect(sizes).toContain(s.processes.length);
          reads++;
        }
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all(sizes.map((n) => writeState(state(name, n))));
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(0);
    // Queued in call order: the last write wins, and no temporary file is left behind.
    expect((await readState(name))?.processes.length).toBe(sizes.at(-1));
    expect(readdirSync(join(root, name))).toEqual(['state.json']);
  });

  it('no state file reads as not running; a damaged one throws with its path and the PIDs it names', async () => {
    expect(await readState('never-started')).toBeUndefined();
    const pid = sleeper.pid!;
    const file = splicedStateFile('spliced', pid);
    const err = await readState('spliced').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StateFileUnreadableError);
    const unreadable = err as StateFileUnreadableError;
    expect(unreadable.file).toBe(file);
    expect(unreadable.named).toEqual([
      { component: 'etcd', pid, alive: true },
      { component: 'kwok', pid: 4000000, alive: false },
    ]);
    expect(scanPids(readFileSync(file, 'utf8')).map((p) => p.pid)).toEqual([pid, 4000000]);
  });

  it('berth cluster down, status and up name the damaged file and the live PIDs instead of "not running"', async () => {
    const pid = sleeper.pid!;
    const file = splicedStateFile('damaged', pid);
    const env = { BERTH_STATE_DIR: root };
    for (const command of ['down', 'status', 'up']) {
      const r = await runCli(['cluster', command, '--name', 'damaged'], { env });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`its state file ${file} cannot be read`);
      expect(r.stderr).toContain(`of which ${pid} (etcd) is running`);
      expect(r.stderr).toContain(`kill ${pid}`);
      expect(`${r.stdout}${r.stderr}`).not.toMatch(/not running/);
      expect(hasStack(r.stderr)).toBe(false);
    }
    const json = await runCli(['cluster', 'status', '--name', 'damaged', '-o', 'json'], { env });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      name: 'damaged',
      running: 'unknown',
      stateFile: file,
      processes: [
        { component: 'etcd', pid, alive: true },
        { pid: 4000000, alive: false },
      ],
    });
    // Nothing it names was stopped: berth cannot tell they are the cluster's.
    expect(() => process.kill(pid, 0)).not.toThrow();
  }, 60_000);
});
