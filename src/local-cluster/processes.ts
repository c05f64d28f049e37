import { type ChildProcess, spawn } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { ClusterError } from './errors.ts';
import type { Component } from './versions.ts';

/** What we remember about a process we started, so only it is ever stopped. */
export interface ProcessRecord {
  component: Component;
  pid: number;
  binary: string;
  /** What it was started with, so it can be restarted the same way (absent in older state files). */
  args?: string[];
  log: string;
}

export interface Started {
  record: ProcessRecord;
  child: ChildProcess;
  /** Resolves with the exit code if the process ends. */
  exited: Promise<number | null>;
}

/**
 * Starts a component with its output in a log file. Detached processes keep
 * running after the CLI exits (`berth cluster up`); they get their own process
 * group so a Ctrl-C in the terminal does not reach them.
 */
export function startProcess(component: Component, binary: string, args: string[], log: string): Started {
  const fd = openSync(log, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', fd, fd], detached: true });
  if (child.pid === undefined) throw new ClusterError(component, `could not start ${binary}`, log);
  child.unref();
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : null)));
    child.on('error', () => resolve(127));
  });
  return { record: { component, pid: child.pid, binary, args, log }, child, exited };
}

/** True only if the PID is alive AND still runs the binary we started (PIDs get reused). */
export function isOurs(record: ProcessRecord): boolean {
  try {
    process.kill(record.pid, 0);
  } catch {
    return false;
  }
  try {
    const cmdline = readFileSync(`/proc/${record.pid}/cmdline`, 'utf8');
    return cmdline.split('\0')[0] === record.binary;
  } catch {
    return false;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after a grace period; returns once the process has exited. */
export async function stopProcess(record: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isOurs(record)) return;
  signal(record.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (exited(record.pid)) return;
    await sleep(50);
  }
  signal(record.pid, 'SIGKILL');
  while (!exited(record.pid) && Date.now() < deadline + 5000) await sleep(50);
}

/** Gone, or a zombie waiting for its parent to collect the exit status. */
function exited(pid: number): boolean {
  if (!pidAlive(pid)) return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The end of a log, to put in an error message. */
export function logTail(log: string, lines = 8): string {
  try {
    return readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/** A hint for the most common ways a component dies at start. */
export function hintFor(tail: string): string {
  if (/address already in use/i.test(tail)) {
    return 'a port it needs was taken by another process between allocation and start; run the command again';
  }
  if (/permission denied/i.test(tail)) return 'check that the cache and state directories are writable';
  return 'read the log above; `berth cluster down` cleans up whatever did start';
}
