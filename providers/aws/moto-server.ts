import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

/** A moto server (an AWS emulator) this process started and owns. */
export interface MotoServer {
  endpoint: string;
  pid: number;
  /** Stops it by its PID: SIGTERM, then SIGKILL if it has not exited within 5 s. */
  stop(): Promise<void>;
}

export interface MotoServerOptions {
  /** How long to wait for it to answer. Default 30 s. */
  readyTimeoutMs?: number;
}

const INSTALL_HINT = "install it with: pip install 'moto[server]'";

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('could not find a free port');
  return address.port;
}

function launch(command: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    child.once('spawn', () => resolve(child));
    child.once('error', reject);
  });
}

/**
 * Starts `moto_server` (or `python3 -m moto.server`) on 127.0.0.1 and a free
 * port, and waits until it answers. It is killed when this process exits,
 * should `stop` never be called.
 */
export async function startMotoServer(o: MotoServerOptions = {}): Promise<MotoServer> {
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  let child: ChildProcess;
  try {
    child = await launch('moto_server', args);
  } catch {
    try {
      child = await launch('python3', ['-m', 'moto.server', ...args]);
    } catch (err) {
      throw new Error(`cannot start moto_server (${String(err)}): ${INSTALL_HINT}`);
    }
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`moto_server did not start: ${INSTALL_HINT}`);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  const killOnExit = () => {
    if (!exited) process.kill(pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.off('exit', killOnExit);
    if (exited) return;
    process.kill(pid, 'SIGTERM');
    const timer = delay(5_000).then(() => 'timeout' as const);
    if ((await Promise.race([exit.then(() => 'exited' as const), timer])) === 'timeout' && !exited) {
      process.kill(pid, 'SIGKILL');
      await exit;
    }
  };

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 30_000);
  while (Date.now() < deadline) {
    if (exited) {
      throw new Error(`moto_server exited before it was ready (${INSTALL_HINT}); its output:\n${output}`);
    }
    const ok = await fetch(`${endpoint}/moto-api/`)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return { endpoint, pid, stop };
    await delay(200);
  }
  await stop();
  throw new Error(
    `moto_server on port ${port} did not answer within ${o.readyTimeoutMs ?? 30_000} ms:\n${output}`,
  );
}
