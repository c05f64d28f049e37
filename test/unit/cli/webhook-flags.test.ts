import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhookFromFlags } from '../../../src/cli/webhook-flags.ts';

const base = { webhookFailurePolicy: 'Ignore', leaseNamespace: 'berth-system' };

describe('berth run --webhook-* flags', () => {
  it('serve nothing unless --webhook-address is set, and say so when another webhook flag is', () => {
    expect(webhookFromFlags(base)).toBeUndefined();
    expect(() => webhookFromFlags({ ...base, webhookUrl: 'https://x:1' })).toThrow(
      '--webhook-url: only used with --webhook-address',
    );
  });

  it('take a URL or a Service, never both, and berth`s own namespace stays out', () => {
    expect(webhookFromFlags({ ...base, webhookAddress: '127.0.0.1:9443' })).toEqual({
      host: '127.0.0.1',
      port: 9443,
      timeoutSeconds: 5,
      failurePolicy: 'Ignore',
      ownNamespace: 'berth-system',
    });
    expect(
      webhookFromFlags({ ...base, webhookAddress: ':9443', webhookService: 'berth-system/berth-webhook:443' })
        ?.endpoint,
    ).toEqual({ service: { namespace: 'berth-system', name: 'berth-webhook', port: 443 } });
    expect(() =>
      webhookFromFlags({ ...base, webhookAddress: ':1', webhookUrl: 'https://a:1', webhookService: 'a/b:1' }),
    ).toThrow('not both');
    expect(() => webhookFromFlags({ ...base, webhookAddress: ':1', webhookUrl: 'http://a:1' })).toThrow(
      '--webhook-url: the API server calls webhooks over https only',
    );
    expect(() => webhookFromFlags({ ...base, webhookAddress: ':1', webhookService: 'nope' })).toThrow(
      '--webhook-service: expected namespace/name:port',
    );
    expect(() => webhookFromFlags({ ...base, webhookAddress: 'nope' })).toThrow('--webhook-address');
    expect(() => webhookFromFlags({ ...base, webhookAddress: ':1', webhookTimeout: '60' })).toThrow(
      '--webhook-timeout: expected whole seconds from 1 to 30',
    );
    expect(() =>
      webhookFromFlags({ ...base, webhookAddress: ':1', webhookCertDir: '/nonexistent-dir' }),
    ).toThrow('--webhook-cert-dir: cannot read tls.crt');
  });

  it('serve a certificate from --webhook-cert-dir, with its CA when cert-manager wrote ca.crt', () => {
    const dir = mkdtempSync(join(tmpdir(), 'berth-webhook-cert-'));
    try {
      writeFileSync(join(dir, 'tls.crt'), 'CERT');
      writeFileSync(join(dir, 'tls.key'), 'KEY');
      expect(webhookFromFlags({ ...base, webhookAddress: ':1', webhookCertDir: dir })?.tls).toEqual({
        certPem: 'CERT',
        keyPem: 'KEY',
      });
      writeFileSync(join(dir, 'ca.crt'), 'CA');
      expect(webhookFromFlags({ ...base, webhookAddress: ':1', webhookCertDir: dir })?.tls?.caPem).toBe('CA');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
