import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { InputError } from '../model/index.ts';
import { readInput } from './manifests.ts';

/**
 * The kubeconfig for a command that talks to a cluster, as client-go finds
 * it: the flag, else $KUBECONFIG, else ~/.kube/config, else the in-cluster
 * service account. A missing or malformed file is an InputError naming the
 * file and the flag, never a stack from the YAML parser.
 */
export function loadKubeConfig(
  flagPath: string | undefined,
  flag = '--kubeconfig',
): {
  kubeConfig: KubeConfig;
  source: string;
} {
  const kc = new KubeConfig();
  const fromEnv = (process.env.KUBECONFIG ?? '').split(delimiter).filter((p) => p !== '');
  const home = join(homedir(), '.kube', 'config');
  let file: string | undefined = flagPath || undefined; // an empty $BERTH_KUBECONFIG is no choice
  if (file === undefined && fromEnv.length > 1) {
    // Several files are merged by the client; each is still checked to exist.
    for (const f of fromEnv) if (!existsSync(f)) throw missing(f, flag, '$KUBECONFIG');
    try {
      kc.loadFromDefault();
    } catch (err) {
      throw malformed(fromEnv.join(delimiter), flag, err);
    }
    return { kubeConfig: kc, source: `$KUBECONFIG (${fromEnv.join(delimiter)})` };
  }
  file ??= fromEnv[0];
  if (file === undefined && existsSync(home)) file = home;
  if (file === undefined) {
    if (process.env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
      return { kubeConfig: kc, source: 'the in-cluster service account' };
    }
    throw new InputError(
      `no kubeconfig: ${home} does not exist, $KUBECONFIG is not set and this is not a pod in a cluster; pass ${flag} <file>`,
    );
  }
  if (!existsSync(file)) throw missing(file, flag, flagPath ? flag : '$KUBECONFIG');
  const { text } = readInput(file);
  try {
    kc.loadFromString(text);
  } catch (err) {
    throw malformed(file, flag, err);
  }
  if (!kc.getCurrentCluster()) {
    throw new InputError(
      `${file}: not a usable kubeconfig: no current context with a cluster (current-context "${kc.getCurrentContext() || 'unset'}"); fix the file or pass another with ${flag}`,
    );
  }
  return { kubeConfig: kc, source: file };
}

function missing(file: string, flag: string, from: string): InputError {
  return new InputError(`${file}: no such kubeconfig file (from ${from}); pass an existing one with ${flag}`);
}

function malformed(file: string, flag: string, err: unknown): InputError {
  const why = (err instanceof Error ? err.message : String(err)).split('\n')[0];
  return new InputError(`${file}: not a valid kubeconfig (${why}); fix it or pass another with ${flag}`);
}
