import { createHash } from 'node:crypto';
import {
  AdmissionregistrationV1Api,
  type KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1MutatingWebhookConfiguration,
} from '@kubernetes/client-node';
import { isAlreadyExists, isNotFound } from './api-errors.ts';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
/** What berth last wrote, so an unchanged configuration is not written again. */
const ANNOTATION_HASH = 'berth.dev/configuration-hash';

function hashOf(c: V1MutatingWebhookConfiguration): string {
  return createHash('sha256')
    .update(JSON.stringify(c.webhooks ?? []))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Makes the cluster's MutatingWebhookConfiguration what `desired` says (its
 * webhooks, their CA bundle and endpoint): created when missing, patched
 * when it differs from berth's last write or someone changed it. Returns
 * whether it wrote. Idempotent.
 */
export async function ensureWebhookConfiguration(
  kc: KubeConfig,
  desired: V1MutatingWebhookConfiguration,
): Promise<boolean> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const name = desired.metadata?.name ?? '';
  const hash = hashOf(desired);
  const body: V1MutatingWebhookConfiguration = {
    ...desired,
    metadata: {
      ...desired.metadata,
      annotations: { ...desired.metadata?.annotations, [ANNOTATION_HASH]: hash },
    },
  };
  let current: V1MutatingWebhookConfiguration | undefined;
  try {
    current = await api.readMutatingWebhookConfiguration({ name });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  if (!current) {
    try {
      await api.createMutatingWebhookConfiguration({ body });
      return true;
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
  } else if (current.metadata?.annotations?.[ANNOTATION_HASH] === hash && sameBundles(current, desired)) {
    return false;
  }
  // A merge patch replaces the webhooks list whole: exactly the desired one.
  await api.patchMutatingWebhookConfiguration({ name, body }, MERGE_PATCH);
  return true;
}

/** The CA bundle is what goes stale (a restart makes a new one); compare it even when the hash matches. */
function sameBundles(a: V1MutatingWebhookConfiguration, b: V1MutatingWebhookConfiguration): boolean {
  const bundles = (c: V1MutatingWebhookConfiguration) =>
    (c.webhooks ?? []).map((w) => w.clientConfig.caBundle ?? '').join();
  return bundles(a) === bundles(b);
}
