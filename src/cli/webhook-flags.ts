import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type FailurePolicy, InputError } from '../model/index.ts';
import type { WebhookOptions } from '../runtime/admission.ts';
import type { WebhookTls } from '../server/webhook.ts';
import { parseAddress } from './address-flag.ts';

export interface WebhookFlags {
  webhookAddress?: string;
  webhookUrl?: string;
  webhookService?: string;
  webhookFailurePolicy: string;
  webhookCertDir?: string;
  webhookTimeout?: string;
  leaseNamespace: string;
}

/** `namespace/name:port`, as --webhook-service takes it. */
function parseService(value: string): { namespace: string; name: string; port: number } {
  const m = /^([a-z0-9-]+)\/([a-z0-9-]+):(\d+)$/.exec(value);
  const port = Number(m?.[3]);
  if (!m || port < 1 || port > 65535) {
    throw new InputError(`expected namespace/name:port, got "${value}"`, { field: '--webhook-service' });
  }
  return { namespace: m[1]!, name: m[2]!, port };
}

function readCert(dir: string, file: string): string {
  try {
    return readFileSync(join(dir, file), 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file} in ${dir}: ${(err as Error).message}`, {
      field: '--webhook-cert-dir',
    });
  }
}

/** tls.crt and tls.key, and ca.crt when there (cert-manager writes all three into its Secret). */
function certificateIn(dir: string): WebhookTls {
  let caPem: string | undefined;
  try {
    caPem = readFileSync(join(dir, 'ca.crt'), 'utf8');
  } catch {
    caPem = undefined;
  }
  return { certPem: readCert(dir, 'tls.crt'), keyPem: readCert(dir, 'tls.key'), ...(caPem ? { caPem } : {}) };
}

/** The webhook's options from `berth run`'s flags; undefined when it is not served. */
export function webhookFromFlags(flags: WebhookFlags): WebhookOptions | undefined {
  if (!flags.webhookAddress) {
    for (const [set, field] of [
      [flags.webhookUrl, '--webhook-url'],
      [flags.webhookService, '--webhook-service'],
      [flags.webhookCertDir, '--webhook-cert-dir'],
    ] as const) {
      if (set)
        throw new InputError('only used with --webhook-address (where the webhook listens)', { field });
    }
    return undefined;
  }
  if (flags.webhookUrl && flags.webhookService) {
    throw new InputError('give --webhook-url or --webhook-service, not both', { field: '--webhook-service' });
  }
  const [host, port] = parseAddress(flags.webhookAddress, '--webhook-address');
  if (flags.webhookUrl) {
    let url: URL;
    try {
      url = new URL(flags.webhookUrl);
    } catch {
      throw new InputError(`expected an https URL, got "${flags.webhookUrl}"`, { field: '--webhook-url' });
    }
    if (url.protocol !== 'https:') {
      throw new InputError(`the API server calls webhooks over https only, got "${flags.webhookUrl}"`, {
        field: '--webhook-url',
      });
    }
  }
  const timeout = Number(flags.webhookTimeout ?? '5');
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > 30) {
    throw new InputError(
      `expected whole seconds from 1 to 30 (the API server's limit), got "${flags.webhookTimeout}"`,
      {
        field: '--webhook-timeout',
      },
    );
  }
  return {
    host,
    port,
    timeoutSeconds: timeout,
    failurePolicy: flags.webhookFailurePolicy as FailurePolicy,
    ownNamespace: flags.leaseNamespace,
    ...(flags.webhookUrl ? { endpoint: { url: flags.webhookUrl } } : {}),
    ...(flags.webhookService ? { endpoint: { service: parseService(flags.webhookService) } } : {}),
    ...(flags.webhookCertDir ? { tls: certificateIn(flags.webhookCertDir) } : {}),
  };
}
