import { randomUUID } from 'node:crypto';
import { type CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';

export function kubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(inject('kubeconfig'));
  return kc;
}

/** Polls until `check` returns a value, or fails with what it last saw. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`,
  );
}

/** A namespace of its own for each test, so tests never see each other's objects. */
export async function freshNamespace(core: CoreV1Api, prefix: string): Promise<string> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  await core.createNamespace({ body: { metadata: { name } } });
  // The ServiceAccount admission plugin rejects pods until the namespace's default account exists.
  await waitFor(`default ServiceAccount in ${name}`, async () =>
    (await core.readNamespacedServiceAccount({ name: 'default', namespace: name }).catch(() => undefined))
      ? true
      : undefined,
  );
  return name;
}
