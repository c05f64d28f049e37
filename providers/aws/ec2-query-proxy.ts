import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';

/**
 * A sandbox proxy in front of moto that reads each EC2 Query API call
 * (form-encoded `Action=…`) and lets a handler answer it with EC2's own XML
 * error, or pass it on to moto (now or a while later). What the tests' fault
 * proxy and the throttling proxy share. Listens on 127.0.0.1 only.
 */

export interface Ec2QueryCall {
  action: string;
  params: URLSearchParams;
}

export interface ForwardOptions {
  /** Hold moto's answer back this long. */
  holdMs?: number;
  /** Send these parameters instead of the caller's. */
  params?: URLSearchParams;
  /** Change moto's answer before it goes back. */
  rewrite?: (answer: string) => string;
}

export interface Ec2Reply {
  /** Passes the call on to moto. */
  forward(o?: ForwardOptions): void;
  /** Answers with EC2's XML error shape. */
  error(status: number, code: string, message: string): void;
  /** Answers with this XML. */
  xml(status: number, body: string): void;
  /** The caller hung up. */
  gone(): boolean;
}

export interface Ec2QueryProxy {
  endpoint: string;
  close(): Promise<void>;
}

/** EC2's error answer: `<Response><Errors><Error><Code>…`. */
export function ec2ErrorXml(code: string, message: string): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    `<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors>` +
    `<RequestID>${randomUUID()}</RequestID></Response>`
  );
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function startEc2QueryProxy(
  upstream: string,
  handle: (call: Ec2QueryCall, reply: Ec2Reply) => void,
): Promise<Ec2QueryProxy> {
  const target = new URL(upstream);

  function forward(req: IncomingMessage, payload: Buffer, res: ServerResponse, o: ForwardOptions = {}): void {
    const sent = o.params ? Buffer.from(o.params.toString(), 'utf8') : payload;
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host, 'content-length': String(sent.length) },
      },
      (answer) => {
        void body(answer).then((data) => {
          setTimeout(() => {
            if (res.destroyed) return;
            if (!o.rewrite) {
              res.writeHead(answer.statusCode ?? 502, answer.headers);
              res.end(data);
              return;
            }
            const text = o.rewrite(data.toString('utf8'));
            const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(text);
          }, o.holdMs ?? 0);
        });
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
    up.end(sent);
  }

  const server = createServer((req, res) => {
    void body(req).then((payload) => {
      const isQuery = (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
      const params = isQuery ? new URLSearchParams(payload.toString('utf8')) : undefined;
      const action = params?.get('Action') ?? undefined;
      if (!params || !action) return forward(req, payload, res);
      let gone = false;
      res.on('close', () => {
        gone = true;
      });
      const xml = (status: number, text: string) => {
        res.writeHead(status, { 'content-type': 'text/xml' });
        res.end(text);
      };
      handle(
        { action, params },
        {
          forward: (o) => forward(req, payload, res, o),
          error: (status, code, message) => xml(status, ec2ErrorXml(code, message)),
          xml,
          gone: () => gone,
        },
      );
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('EC2 proxy has no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
