import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';

/**
 * What moto can't do: a capacity error, an access error, a slow answer. A
 * rule matches an EC2 Query API call by action (and instance type); it
 * either answers with EC2's own XML error shape, or passes the call through
 * to moto and holds the answer back for a while. Rules are used up in order.
 */
export interface FaultRule {
  action: string;
  instanceType?: string;
  /** Answer with this EC2 error code instead of calling moto. */
  code?: string;
  /** HTTP status of the error (EC2 sends capacity errors as 500, client errors as 400). Default 400. */
  status?: number;
  message?: string;
  /** Pass through, but answer this much later. */
  holdMs?: number;
  /**
   * Hold the call this long before passing it to moto, and drop it if the
   * caller hangs up meanwhile: a call that never lands, as when the caller dies.
   */
  holdRequestMs?: number;
  /** Matches this many calls; default 1. */
  times?: number;
  /**
   * CreateFleet only: moto launches `missing` fewer machines than asked and
   * the answer carries an Errors entry with `code`, as EC2's instant fleet
   * answers a partial fulfilment.
   */
  partial?: { missing: number; code: string; message?: string };
}

export interface ProxiedCall {
  action: string;
  instanceType?: string;
  subnetId?: string;
  /** The fault answered it (true) or moto did (false). */
  faulted: boolean;
}

export interface FaultProxy {
  endpoint: string;
  add(rule: FaultRule): void;
  /** EC2 Query API calls seen, oldest first. */
  readonly calls: ProxiedCall[];
  close(): Promise<void>;
}

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

/** Where the SDK puts a fleet's first override in the Query API. */
const FLEET_OVERRIDE = 'LaunchTemplateConfigs.1.Overrides.1';
const FLEET_TARGET = 'TargetCapacitySpecification.TotalTargetCapacity';

/** A CreateFleet answer's Errors entry, in EC2's XML shape (errorSet of items). */
export function fleetErrorXml(code: string, message: string, instanceType: string | undefined): string {
  return (
    '<errorSet><item>' +
    `<errorCode>${code}</errorCode><errorMessage>${message}</errorMessage>` +
    (instanceType
      ? `<launchTemplateAndOverrides><overrides><instanceType>${instanceType}</instanceType></overrides></launchTemplateAndOverrides>`
      : '') +
    '</item></errorSet>'
  );
}

export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const target = new URL(upstream);
  const rules: (FaultRule & { left: number })[] = [];
  const calls: ProxiedCall[] = [];

  function forward(
    req: IncomingMessage,
    payload: Buffer,
    res: ServerResponse,
    holdMs: number,
    rewrite: (answer: string) => string = (a) => a,
  ): void {
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
            const text = rewrite(data.toString('utf8'));
            const headers = { ...answer.headers, 'content-length': String(Buffer.byteLength(text)) };
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(text);
          }, holdMs);
        });
      },
    );
    up.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
    });
    up.end(payload);
  }

  /** A fleet short of `missing` machines: moto launches the rest, the answer says why the others are missing. */
  function partly(
    req: IncomingMessage,
    params: URLSearchParams,
    res: ServerResponse,
    p: NonNullable<FaultRule['partial']>,
  ): void {
    const asked = Number(params.get(FLEET_TARGET) ?? '0');
    const errors = fleetErrorXml(
      p.code,
      p.message ?? `injected ${p.code}`,
      params.get(`${FLEET_OVERRIDE}.InstanceType`) ?? undefined,
    );
    if (asked - p.missing <= 0) {
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<CreateFleetResponse><requestId>${randomUUID()}</requestId>` +
          `<fleetId>fleet-${randomUUID()}</fleetId>${errors}<fleetInstanceSet/></CreateFleetResponse>`,
      );
      return;
    }
    params.set(FLEET_TARGET, String(asked - p.missing));
    const payload = Buffer.from(params.toString(), 'utf8');
    const headers = { ...req.headers, 'content-length': String(payload.length) };
    forward(Object.assign(req, { headers }), payload, res, 0, (answer) =>
      answer.replace('</CreateFleetResponse>', `${errors}</CreateFleetResponse>`),
    );
  }

  const server = createServer((req, res) => {
    void body(req).then((payload) => {
      const isQuery = (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
      const params = isQuery ? new URLSearchParams(payload.toString('utf8')) : undefined;
      const action = params?.get('Action') ?? undefined;
      if (!action) return forward(req, payload, res, 0);
      const instanceType =
        params?.get('InstanceType') ?? params?.get(`${FLEET_OVERRIDE}.InstanceType`) ?? undefined;
      const i = rules.findIndex(
        (r) => r.action === action && (r.instanceType === undefined || r.instanceType === instanceType),
      );
      const rule = rules[i];
      if (rule) {
        rule.left -= 1;
        if (rule.left <= 0) rules.splice(i, 1);
      }
      const subnetId = params?.get('SubnetId') ?? params?.get(`${FLEET_OVERRIDE}.SubnetId`) ?? undefined;
      calls.push({
        action,
        ...(instanceType ? { instanceType } : {}),
        ...(subnetId ? { subnetId } : {}),
        faulted: rule?.code !== undefined || rule?.partial !== undefined,
      });
      if (rule?.code) {
        res.writeHead(rule.status ?? 400, { 'content-type': 'text/xml' });
        res.end(ec2ErrorXml(rule.code, rule.message ?? `injected ${rule.code}`));
        return;
      }
      if (rule?.partial && params) return partly(req, params, res, rule.partial);
      if (rule?.holdRequestMs !== undefined) {
        let gone = false;
        res.on('close', () => {
          gone = true;
        });
        setTimeout(() => {
          if (!gone) forward(req, payload, res, rule.holdMs ?? 0);
        }, rule.holdRequestMs);
        return;
      }
      forward(req, payload, res, rule?.holdMs ?? 0);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('fault proxy has no address');
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    add: (rule) => rules.push({ ...rule, left: rule.times ?? 1 }),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
