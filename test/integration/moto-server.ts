import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A real moto server (the AWS emulator) for tests that talk to EC2 (and
 * other moto-backed APIs) through the real AWS SDK. Started on a free port
 * on 127.0.0.1, stopped by its PID. `.ci/run` installs moto when it is missing;
 * a missing moto fails the test with what to install, never a silent skip.
 */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`, for the SDK clients' `endpoint`. */
  endpoint: string;
  pid: number;
  /** What moto printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The credentials moto accepts (any will do; these say they are fake). */
export const MOTO_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 5_000;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** `moto_server` on PATH, else the module through python3. */
function motoCommand(): { command: string; prefix: string[] } {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, 'moto_server'), constants.X_OK);
      return { command: join(dir, 'moto_server'), prefix: [] };
    } catch {
      // not in this directory
    }
  }
  return { command: 'python3', prefix: ['-m', 'moto.server'] };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => done(true));
  });
}

export async function startMotoServer(): Promise<MotoServer> {
  const port = await freePort();
  const { command, prefix } = motoCommand();
  const child: ChildProcess = spawn(command, [...prefix, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
  });
  let log = '';
  child.stdout?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    log = (log + d.toString()).slice(-20_000);
  });
  let exited: string | undefined;
  let spawnError: Error | undefined;
  child.once('error', (err) => {
    spawnError = err;
  });
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = `exited with ${code ?? signal}`;
      resolve();
    }),
  );
  // If the test process dies without stopping it, do not leave moto behind.
  const killOnExit = () => {
    if (child.pid && exited === undefined) process.kill(child.pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    if (exited !== undefined || !child.pid) return;
    process.kill(child.pid, 'SIGTERM');
    const stopped = await Promise.race([
      exitedPromise.then(() => true),
      sleep(STOP_TIMEOUT_MS).then(() => false),
    ]);
    if (!stopped && exited === undefined) {
      process.kill(child.pid, 'SIGKILL');
      await exitedPromise;
    }
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let ready = false;
  for (let attempt = 0; attempt < 600 && Date.now() < deadline; attempt++) {
    if (spawnError || exited !== undefined) {
      await stop();
      throw new Error(
        `moto server did not start (${spawnError?.message ?? exited}): install it with ` +
          `python3 -m pip install 'moto[server]' (as .ci/run does)\n${log}`,
      );
    }
    if (await canConnect(port)) {
      ready = true;
      break;
    }
    await sleep(100);
  }
  if (!ready || !child.pid) {
    await stop();
    throw new Error(`moto server not listening on 127.0.0.1:${port} after ${READY_TIMEOUT_MS} ms\n${log}`);
  }
  return { endpoint: `http://127.0.0.1:${port}`, pid: child.pid, output: () => log, stop };
}
