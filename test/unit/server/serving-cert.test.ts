import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { makeServingCertificate } from '../../../src/server/serving-cert.ts';

describe('makeServingCertificate', () => {
  it('signs a server certificate for the names and addresses given, with a CA of its own', async () => {
    const made = await makeServingCertificate(['127.0.0.1', 'berth-webhook.berth-system.svc']);
    const ca = new X509Certificate(made.caPem);
    const cert = new X509Certificate(made.certPem);
    expect(cert.checkIssued(ca)).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(ca.ca).toBe(true);
    expect(cert.ca).toBe(false);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.checkHost('berth-webhook.berth-system.svc')).toBe('berth-webhook.berth-system.svc');
    expect(cert.checkHost('elsewhere.example')).toBeUndefined();
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1'); // serverAuth
    expect(made.keyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    // A fresh CA each time: nothing signed by an earlier start is trusted by a later one.
    const again = await makeServingCertificate(['127.0.0.1']);
    expect(new X509Certificate(again.certPem).verify(ca.publicKey)).toBe(false);
  });
});
