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

export interface Ec2Reply {
  /** Passes the call on to moto; its answer is held back `holdMs` first. */
  forward(holdMs?: number): void;
  /** Answers with EC2's XML error shape. */
  error(status: number, code: string, message: string): void;
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

  function forward(req: IncomingMessage, payload: Buffer, res: ServerResponse, holdMs: number): void {
    const up = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        void body(answer).then((data) => {
          setTimeout(() => {
            if (res.destroyed) return;
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(data);
          }, holdMs);
        });
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
    up.end(payload);
  }

  const server = createServer((req, res) => {
    void body(req).then((payload) => {
      const isQuery = (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
      const params = isQuery ? new URLSearchParams(payload.toString('utf8')) : undefined;
      const action = params?.get('Action') ?? undefined;
      if (!params || !action) return forward(req, payload, res, 0);
      handle(
        { action, params },
        {
          forward: (holdMs = 0) => forward(req, payload, res, holdMs),
          error: (status, code, message) => {
            res.writeHead(status, { 'content-type': 'text/xml' });
            res.end(ec2ErrorXml(code, message));
          },
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
