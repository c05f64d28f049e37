// @peculiar/x509 resolves its ASN.1 services through decorators that need this polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

// The library is written against the browser's Crypto; Node's webcrypto is the same API.
x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface KeyPair {
  certPem: string;
  keyPem: string;
}

export interface ClusterPki {
  ca: KeyPair;
  apiserver: KeyPair;
  /** Client identities, by name. */
  clients: Record<string, KeyPair>;
  serviceAccount: { publicPem: string; privatePem: string };
}

/** A client identity: the certificate's CN is the user, each O a group. */
export interface ClientIdentity {
  name: string;
  user: string;
  groups: string[];
}

/**
 * Everything the control plane needs to run with TLS and RBAC on: a CA, the
 * API server's serving cert, one client cert per component and user, and the
 * service-account signing key. ECDSA keys keep this well under a second.
 */
export async function generatePki(
  clients: readonly ClientIdentity[],
  serviceIp: string,
): Promise<ClusterPki> {
  const caKeys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=berth-local-ca',
    notBefore: yesterday(),
    notAfter: inDays(365),
    keys: caKeys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const issue = async (subject: string, serverNames?: { dns: string[]; ips: string[] }): Promise<KeyPair> => {
    const keys = await newKeys();
    const extensions: x509.Extension[] = [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        serverNames ? x509.ExtendedKeyUsage.serverAuth : x509.ExtendedKeyUsage.clientAuth,
      ]),
    ];
    if (serverNames) {
      extensions.push(
        new x509.SubjectAlternativeNameExtension([
          ...serverNames.dns.map((value) => ({ type: 'dns' as const, value })),
          ...serverNames.ips.map((value) => ({ type: 'ip' as const, value })),
        ]),
      );
    }
    const cert = await x509.X509CertificateGenerator.create({
      serialNumber: serial(),
      subject,
      issuer: caCert.subject,
      notBefore: yesterday(),
      notAfter: inDays(365),
      publicKey: keys.publicKey,
      signingKey: caKeys.privateKey,
      signingAlgorithm: ALG,
      extensions,
    });
    return { certPem: cert.toString('pem'), keyPem: await privatePem(keys.privateKey) };
  };

  const apiserver = await issue('CN=kube-apiserver', {
    dns: ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc'],
    ips: ['127.0.0.1', serviceIp],
  });
  const issued: Record<string, KeyPair> = {};
  for (const c of clients) {
    const subject = [`CN=${c.user}`, ...c.groups.map((g) => `O=${g}`)].join(', ');
    issued[c.name] = await issue(subject);
  }
  const sa = await newKeys();
  return {
    ca: { certPem: caCert.toString('pem'), keyPem: await privatePem(caKeys.privateKey) },
    apiserver,
    clients: issued,
    serviceAccount: {
      privatePem: await privatePem(sa.privateKey),
      publicPem: pem('PUBLIC KEY', await webcrypto.subtle.exportKey('spki', sa.publicKey)),
    },
  };
}

async function newKeys(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  return pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', key));
}

function pem(label: string, der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN ${label}-----\n${b64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

function serial(): string {
  return webcrypto
    .getRandomValues(new Uint8Array(16))
    .reduce((s, b) => s + b.toString(16).padStart(2, '0'), '01');
}

function yesterday(): Date {
  return new Date(Date.now() - 86_400_000);
}

function inDays(days: number): Date {
  return new Date(Date.now() + days * 86_400_000);
}
