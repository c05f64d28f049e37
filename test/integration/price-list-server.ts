import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type MotoServer, startMotoServer } from '../../providers/aws/moto-server.ts';
import { EMULATOR_CREDENTIALS } from '../../providers/aws/simulation.ts';

/**
 * A local stand-in for the AWS Price List Query API (no emulator exists for
 * it), speaking its wire protocol as the real SDK does: AWS JSON 1.1, `POST /`
 * with `X-Amz-Target: AWSPriceListService.GetProducts`, a JSON body
 * `{ServiceCode, Filters: [{Type: TERM_MATCH, Field, Value}], FormatVersion,
 * NextToken, MaxResults}`, and the answer `{FormatVersion: "aws_v1",
 * PriceList: ["<product as a JSON string>", ...], NextToken}`. Errors carry
 * `__type` in the body, as the service sends them. Listens on 127.0.0.1 only.
 */

export interface Product {
  serviceCode: string;
  /** Matched against TERM_MATCH filters. */
  attributes: Record<string, string>;
  /** The PriceList entry exactly as sent (normally JSON.stringify of a product). */
  text: string;
}

export interface RecordedRequest {
  target: string | undefined;
  authorization: string | undefined;
  body: {
    ServiceCode?: string;
    Filters?: { Type: string; Field: string; Value: string }[];
    NextToken?: string;
    MaxResults?: number;
    FormatVersion?: string;
  };
  /** HTTP status answered. */
  status: number;
}

export interface PriceListServer {
  endpoint: string;
  requests: RecordedRequest[];
  products: Product[];
  /** Answer the next `n` GetProducts calls with HTTP 400 ThrottlingException. */
  throttleNext(n: number): void;
  /** While set, every call fails with this HTTP status and `__type`. */
  failWith(failure: { status: number; type: string; message: string } | undefined): void;
  close(): Promise<void>;
}

const TARGET = 'AWSPriceListService.GetProducts';

export async function startPriceListServer(o: {
  products: Product[];
  /** Products per page at most, whatever MaxResults asks (to force pagination). */
  pageSize: number;
  /** Only this access key id is known; others get UnrecognizedClientException. */
  accessKeyId: string;
}): Promise<PriceListServer> {
  const requests: RecordedRequest[] = [];
  let throttle = 0;
  let failure: { status: number; type: string; message: string } | undefined;

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, {
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': `req-${requests.length}`,
    });
    res.end(JSON.stringify(body));
  };
  const error = (res: ServerResponse, status: number, type: string, message: string) =>
    send(res, status, { __type: type, Message: message });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const record: RecordedRequest = {
      target: header(req, 'x-amz-target'),
      authorization: header(req, 'authorization'),
      body: {},
      status: 200,
    };
    requests.push(record);
    const reply = (status: number, fn: () => void) => {
      record.status = status;
      fn();
    };
    if (req.method !== 'POST')
      return reply(405, () => error(res, 405, 'UnknownOperationException', 'POST only'));
    if (record.target !== TARGET) {
      return reply(400, () =>
        error(res, 400, 'UnknownOperationException', `unknown target ${record.target}`),
      );
    }
    const key = /Credential=([^/]+)\//.exec(record.authorization ?? '')?.[1];
    if (key !== o.accessKeyId) {
      return reply(400, () =>
        error(
          res,
          400,
          'UnrecognizedClientException',
          'The security token included in the request is invalid.',
        ),
      );
    }
    try {
      record.body = JSON.parse(raw);
    } catch {
      return reply(400, () => error(res, 400, 'SerializationException', 'body is not JSON'));
    }
    if (failure) {
      const f = failure;
      return reply(f.status, () => error(res, f.status, f.type, f.message));
    }
    if (throttle > 0) {
      throttle--;
      return reply(400, () => error(res, 400, 'ThrottlingException', 'Rate exceeded'));
    }
    const { ServiceCode, Filters = [], NextToken, MaxResults = 100 } = record.body;
    if (!ServiceCode)
      return reply(400, () => error(res, 400, 'InvalidParameterException', 'ServiceCode is required'));
    const matching = o.products.filter(
      (p) =>
        p.serviceCode === ServiceCode &&
        Filters.every((f) => f.Type === 'TERM_MATCH' && p.attributes[f.Field] === f.Value),
    );
    const start = NextToken === undefined ? 0 : Number(Buffer.from(NextToken, 'base64url').toString('utf8'));
    if (!Number.isInteger(start) || start < 0 || start > matching.length) {
      return reply(400, () => error(res, 400, 'InvalidNextTokenException', 'bad NextToken'));
    }
    const end = Math.min(matching.length, start + Math.min(MaxResults, o.pageSize));
    const page = {
      FormatVersion: 'aws_v1',
      PriceList: matching.slice(start, end).map((p) => p.text),
      ...(end < matching.length ? { NextToken: Buffer.from(String(end)).toString('base64url') } : {}),
    };
    reply(200, () => send(res, 200, page));
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err) => error(res, 500, 'InternalErrorException', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    products: o.products,
    throttleNext: (n) => {
      throttle = n;
    },
    failWith: (f) => {
      failure = f;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** A Linux, shared-tenancy, on-demand EC2 product in the Price List's documented shape. */
export function ec2Product(instanceType: string, usd: string, region: string): Product {
  const attributes = {
    instanceType,
    operatingSystem: 'Linux',
    tenancy: 'Shared',
    preInstalledSw: 'NA',
    capacitystatus: 'Used',
    regionCode: region,
    usagetype: `BoxUsage:${instanceType}`,
  };
  const sku = `SKU${instanceType.replace(/\W/g, '').toUpperCase()}`;
  const item = {
    product: { productFamily: 'Compute Instance', sku, attributes },
    serviceCode: 'AmazonEC2',
    terms: {
      OnDemand: {
        [`${sku}.JRTCKXETXF`]: {
          priceDimensions: {
            [`${sku}.JRTCKXETXF.6YS6EN2CT7`]: { unit: 'Hrs', pricePerUnit: { USD: usd } },
          },
          sku,
        },
      },
    },
    version: '20250101000000',
  };
  return { serviceCode: 'AmazonEC2', attributes, text: JSON.stringify(item) };
}

/** What the live-price tests price against: moto for EC2 and a Price List server, both on loopback. */
export interface AwsPriceEmulators {
  moto: MotoServer;
  prices: PriceListServer;
  stop(): Promise<void>;
}

/**
 * Starts moto and a Price List server holding `products` (at most `pageSize`
 * a page), and puts the emulators' credentials in the environment, where the
 * SDK's default chain finds them as it would in production.
 */
export async function startAwsPriceEmulators(
  products: Product[],
  pageSize = 100,
): Promise<AwsPriceEmulators> {
  process.env.AWS_ACCESS_KEY_ID = EMULATOR_CREDENTIALS.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = EMULATOR_CREDENTIALS.secretAccessKey;
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
  const moto = await startMotoServer();
  try {
    const prices = await startPriceListServer({
      products,
      pageSize,
      accessKeyId: EMULATOR_CREDENTIALS.accessKeyId,
    });
    return {
      moto,
      prices,
      async stop() {
        await prices.close();
        await moto.stop();
      },
    };
  } catch (err) {
    await moto.stop();
    throw err;
  }
}
