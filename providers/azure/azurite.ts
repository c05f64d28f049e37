import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { StorageSharedKeyCredential } from '@azure/storage-queue';

/**
 * Azurite's queue service (the npm package), in memory on 127.0.0.1, for the
 * tests and the demo: the Storage Queue that Event Grid would fill with
 * spot evictions.
 */
export interface AzuriteQueue {
  /** `http://127.0.0.1:<port>/devstoreaccount1` */
  readonly accountUrl: string;
  readonly credential: StorageSharedKeyCredential;
  stop(): Promise<void>;
}

/** Azurite's documented development account and key (public, valid only against the emulator). */
const ACCOUNT = 'devstoreaccount1';
const KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (!address || typeof address !== 'object') throw new Error('no free port');
  return address.port;
}

async function reachable(port: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      await fetch(`http://127.0.0.1:${port}/${ACCOUNT}?comp=list`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`azurite did not answer on 127.0.0.1:${port} within the deadline`);
}

export async function startAzuriteQueue(o: { timeoutMs?: number } = {}): Promise<AzuriteQueue> {
  const port = await freePort();
  const main = createRequire(import.meta.url).resolve('azurite/dist/src/queue/main.js');
  const child: ChildProcess = spawn(
    process.execPath,
    [
      main,
      '--queueHost',
      '127.0.0.1',
      '--queuePort',
      String(port),
      '--inMemoryPersistence',
      '--silent',
      '--skipApiVersionCheck',
      '--disableTelemetry',
      '--loose',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      reachable(port, Date.now() + (o.timeoutMs ?? 30_000)),
      exited.then(() => {
        throw new Error(`azurite exited: ${stderr}`);
      }),
    ]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    accountUrl: `http://127.0.0.1:${port}/${ACCOUNT}`,
    credential: new StorageSharedKeyCredential(ACCOUNT, KEY),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
