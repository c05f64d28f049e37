import { createServer, type Server } from 'node:https';
import { InputError, WEBHOOK_PATH } from '../model/index.ts';

/** The API server sends at most a few MiB per review; anything larger is not one. */
const BODY_LIMIT = 6 * 1024 * 1024;

export interface WebhookTls {
  certPem: string;
  keyPem: string;
  /** The CA that signed it, when known (cert-manager's ca.crt): the configuration's CA bundle. */
  caPem?: string;
}

/** Answers one parsed request body with the JSON to send back; an InputError is answered 400. */
export type AdmissionHandler = (body: unknown) => unknown;

/**
 * The admission webhook over TLS: POST /mutate-pods. The certificate can be
 * swapped while serving (a renewed one, or cert-manager's after a rotation).
 */
export function startWebhookServer(
  address: { host: string; port: number },
  tls: WebhookTls,
  handle: AdmissionHandler,
): Promise<Server & { useCertificate(tls: WebhookTls): void }> {
  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    if (path !== WEBHOOK_PATH || req.method !== 'POST') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(`not found: the webhook is POST ${WEBHOOK_PATH}`);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_LIMIT) {
        res.writeHead(413, { 'content-type': 'text/plain' });
        res.end('request too large');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (res.writableEnded) return;
      let answer: unknown;
      try {
        answer = handle(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        const bad = err instanceof InputError || err instanceof SyntaxError;
        res.writeHead(bad ? 400 : 500, { 'content-type': 'text/plain' });
        res.end(err instanceof Error ? err.message : String(err));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  const swappable = Object.assign(server, {
    useCertificate(next: WebhookTls) {
      server.setSecureContext({ cert: next.certPem, key: next.keyPem });
    },
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => resolve(swappable));
  });
}
