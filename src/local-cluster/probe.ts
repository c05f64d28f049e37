import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface TlsClient {
  ca?: string;
  cert?: string;
  key?: string;
  /** The scheduler and controller manager serve health on self-signed certs of their own. */
  insecure?: boolean;
}

/** GET a health endpoint; resolves with the body when it answers 200, undefined otherwise. */
export function probe(url: string, tls: TlsClient = {}, timeoutMs = 2000): Promise<string | undefined> {
  return new Promise((resolve) => {
    const options = {
      timeout: timeoutMs,
      ca: tls.ca,
      cert: tls.cert,
      key: tls.key,
      rejectUnauthorized: !tls.insecure,
    };
    const req = (url.startsWith('https:') ? httpsRequest : httpRequest)(url, options, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => {
        body += c.toString();
      });
      res.on('end', () => resolve(res.statusCode === 200 ? body : undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}
