import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/** Built binaries and build logs; survives between runs so only the first build is slow. */
export function cacheDir(): string {
  return (
    process.env.BERTH_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'berth')
  );
}

export function binDir(): string {
  return join(cacheDir(), 'bin');
}

/** Per-cluster state (certs, etcd data, logs, kubeconfig, PIDs); removed by `down`. */
export function stateRoot(): string {
  return process.env.BERTH_STATE_DIR ?? join(tmpdir(), 'berth-clusters');
}

export function stateDir(name: string): string {
  return join(stateRoot(), name);
}
