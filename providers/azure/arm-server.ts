import 'reflect-metadata';
import { randomUUID, webcrypto } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import * as x509 from '@peculiar/x509';

/**
 * A local stand-in for Azure Resource Manager, for the tests and the demo:
 * no emulator exists, so this answers the documented REST shapes of exactly
 * the calls berth makes (resource SKUs; PUT/GET/DELETE and list of VMs; PUT,
 * GET and DELETE of NICs; GET and DELETE of disks) with the long-running
 * operation protocol the SDK polls (Azure-AsyncOperation for PUT, Location
 * for DELETE). It serves HTTPS on 127.0.0.1 (the SDK sends bearer tokens
 * over TLS only) and can be told to fail: allocation failures, quota errors,
 * throttling with Retry-After, missing permissions.
 */

export interface ArmSku {
  name: string;
  vcpus: number;
  memoryGB: number;
  gpus?: number;
  arch?: 'x64' | 'Arm64';
  zones?: string[];
  spotCapable?: boolean;
  /** Restricted for the subscription: in the whole region, or in these zones. */
  restricted?: 'region' | string[];
}

export interface ArmFault {
  /** Which call: `vm-put`, `vm-delete`, `nic-put`, `skus`, `vm-list`. */
  call: string;
  /** Only for this VM size (vm-put). */
  vmSize?: string;
  /** ARM error code, e.g. AllocationFailed, QuotaExceeded, TooManyRequests, AuthorizationFailed. */
  code: string;
  status: number;
  message?: string;
  /** Fail the long-running operation (the PUT is accepted, the operation fails) rather than the request. */
  inOperation?: boolean;
  /** Seconds, for 429. */
  retryAfter?: number;
  /** How many calls to fail; default 1. */
  times?: number;
  /** Hold the PUT's answer this long (the VM exists meanwhile): a controller may restart in between. */
  holdMs?: number;
}

export interface ArmCall {
  call: string;
  method: string;
  name?: string;
  vmSize?: string;
  zone?: string;
  faulted: boolean;
}

interface Resource {
  id: string;
  name: string;
  body: Record<string, unknown>;
}

interface VmRecord extends Resource {
  customData: string;
  state: string;
  created: string;
}

interface Operation {
  status: 'InProgress' | 'Succeeded' | 'Failed';
  doneAt: number;
  error?: { code: string; message: string };
  onDone?: () => void;
}

export interface ArmServer {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** The server's certificate, to trust (PEM). */
  readonly ca: string;
  readonly subscriptionId: string;
  readonly calls: readonly ArmCall[];
  addFault(f: ArmFault): void;
  /** VMs that exist (any state), by name. */
  vms(): {
    name: string;
    id: string;
    tags: Record<string, string>;
    vmSize: string;
    zone?: string;
    priority?: string;
    state: string;
    created: string;
  }[];
  nics(): { name: string; tags: Record<string, string> }[];
  disks(): { name: string; tags: Record<string, string> }[];
  /** What the VM's first boot reads as custom data (base64), as a node would from its own disk. */
  customDataOf(vmName: string): string | undefined;
  /**
   * A managed identity endpoint (App Service style: IDENTITY_ENDPOINT and
   * IDENTITY_HEADER), plain HTTP on 127.0.0.1, so @azure/identity's default
   * chain gets a token for the stand-in as it would on Azure.
   */
  readonly identity: { endpoint: string; header: string };
  /** Azure takes a spot VM back (evictionPolicy Delete): the VM, and what it deletes with it, is gone at once. */
  evict(vmName: string): string;
  close(): Promise<void>;
}

async function selfSigned(): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Date.now().toString(16),
    name: 'CN=berth-arm-standin',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 30 * 86_400_000),
    keys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)).toString('base64');
  const key = `-----BEGIN PRIVATE KEY-----\n${pkcs8.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { cert: cert.toString('pem'), key };
}

function skuBody(s: ArmSku, location: string): Record<string, unknown> {
  const restrictions: unknown[] = [];
  if (s.restricted === 'region') {
    restrictions.push({
      type: 'Location',
      values: [location],
      restrictionInfo: { locations: [location] },
      reasonCode: 'NotAvailableForSubscription',
    });
  } else if (Array.isArray(s.restricted)) {
    restrictions.push({
      type: 'Zone',
      values: [location],
      restrictionInfo: { locations: [location], zones: s.restricted },
      reasonCode: 'NotAvailableForSubscription',
    });
  }
  return {
    resourceType: 'virtualMachines',
    name: s.name,
    tier: 'Standard',
    size: s.name.replace(/^Standard_/, ''),
    locations: [location],
    locationInfo: [{ location, zones: s.zones ?? [], zoneDetails: [] }],
    capabilities: [
      { name: 'vCPUs', value: String(s.vcpus) },
      { name: 'vCPUsAvailable', value: String(s.vcpus) },
      { name: 'MemoryGB', value: String(s.memoryGB) },
      { name: 'GPUs', value: String(s.gpus ?? 0) },
      { name: 'CpuArchitectureType', value: s.arch ?? 'x64' },
      { name: 'LowPriorityCapable', value: s.spotCapable === false ? 'False' : 'True' },
    ],
    restrictions,
  };
}

function armError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ error: { code, message } }));
}

/** A fault as ARM answers it: its status and error code, with Retry-After for throttling. */
function faultReply(res: ServerResponse, f: ArmFault, message?: string): void {
  armError(
    res,
    f.status,
    f.code,
    f.message ?? message ?? f.code,
    f.retryAfter !== undefined ? { 'retry-after': String(f.retryAfter) } : {},
  );
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

type Props = Record<string, unknown>;
const props = (b: Record<string, unknown>): Props => (b.properties ?? {}) as Props;

export async function startArmServer(o: {
  subscriptionId?: string;
  location: string;
  skus: readonly ArmSku[];
  /** How long a VM create takes; default 200 ms. */
  createMs?: number;
  /** How long a delete takes; default 100 ms. */
  deleteMs?: number;
}): Promise<ArmServer> {
  const subscriptionId = o.subscriptionId ?? '00000000-0000-0000-0000-000000000001';
  const { cert, key } = await selfSigned();
  const createMs = o.createMs ?? 200;
  const deleteMs = o.deleteMs ?? 100;
  const vms = new Map<string, VmRecord>();
  const nics = new Map<string, Resource>();
  const disks = new Map<string, Resource>();
  const operations = new Map<string, Operation>();
  const faults: ArmFault[] = [];
  const calls: ArmCall[] = [];
  let endpoint = '';

  const fault = (call: string, vmSize?: string): ArmFault | undefined => {
    const i = faults.findIndex((f) => f.call === call && (!f.vmSize || f.vmSize === vmSize));
    if (i < 0) return undefined;
    const f = faults[i] as ArmFault;
    f.times = (f.times ?? 1) - 1;
    if (f.times <= 0) faults.splice(i, 1);
    return f;
  };

  const timers = new Set<NodeJS.Timeout>();
  const operation = (provider: string, op: Operation): string => {
    const id = randomUUID();
    operations.set(id, op);
    // The operation ends when its time comes, polled or not (a client may never poll again).
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        finish(op);
      },
      Math.max(0, op.doneAt - Date.now()),
    );
    timers.add(timer);
    return `${endpoint}/subscriptions/${subscriptionId}/providers/${provider}/locations/${o.location}/operations/${id}?api-version=2024-07-01`;
  };

  const finish = (op: Operation) => {
    if (op.status === 'InProgress' && Date.now() >= op.doneAt) {
      op.status = op.error ? 'Failed' : 'Succeeded';
      op.onDone?.();
    }
  };

  const vmView = (vm: VmRecord) => {
    const p = { ...props(vm.body) };
    const osProfile = { ...((p.osProfile ?? {}) as Props) };
    delete osProfile.customData; // write-only, as in ARM
    return {
      ...vm.body,
      id: vm.id,
      name: vm.name,
      type: 'Microsoft.Compute/virtualMachines',
      properties: {
        ...p,
        osProfile,
        provisioningState: vm.state,
        timeCreated: vm.created,
        vmId: randomUUID(),
      },
    };
  };

  const deleteVm = (name: string) => {
    const vm = vms.get(name);
    if (!vm) return;
    vms.delete(name);
    const p = props(vm.body);
    const storage = (p.storageProfile ?? {}) as Props;
    const osDisk = (storage.osDisk ?? {}) as Props;
    if (osDisk.deleteOption === 'Delete' && typeof osDisk.name === 'string') disks.delete(osDisk.name);
    const network = (p.networkProfile ?? {}) as Props;
    for (const n of (network.networkInterfaces ?? []) as Props[]) {
      const nicName =
        String(n.id ?? '')
          .split('/')
          .pop() ?? '';
      if (n.deleteOption === 'Delete') nics.delete(nicName);
    }
  };

  const rgPath =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/(Microsoft\.Compute|Microsoft\.Network)\/(virtualMachines|networkInterfaces|disks)(?:\/([^/]+))?$/i;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', endpoint);
    const method = req.method ?? 'GET';
    if (!/^Bearer \S+/.test(req.headers.authorization ?? '')) {
      armError(res, 401, 'AuthenticationFailed', 'no bearer token');
      return;
    }
    if (!url.searchParams.get('api-version')) {
      armError(res, 400, 'MissingApiVersionParameter', 'The api-version query parameter is required');
      return;
    }
    const opMatch = /\/operations\/([0-9a-f-]+)$/.exec(url.pathname);
    if (opMatch) {
      const id = opMatch[1] as string;
      const op = operations.get(id);
      if (!op) return armError(res, 404, 'NotFound', 'no such operation');
      finish(op);
      if (url.searchParams.get('kind') === 'location') {
        // Location polling: 202 while running, 200 once done (or the error).
        if (op.status === 'InProgress')
          return json(res, 202, undefined, {
            location: req.url ? `${endpoint}${req.url}` : '',
            'retry-after': '0',
          });
        if (op.status === 'Failed')
          return armError(res, 500, op.error?.code ?? 'InternalError', op.error?.message ?? '');
        return json(res, 200, undefined);
      }
      return json(res, 200, {
        name: id,
        status: op.status,
        startTime: new Date().toISOString(),
        ...(op.error ? { error: op.error } : {}),
      });
    }
    if (url.pathname === `/subscriptions/${subscriptionId}/providers/Microsoft.Compute/skus`) {
      const f = fault('skus');
      calls.push({ call: 'skus', method, faulted: !!f });
      if (f) return faultReply(res, f);
      return json(res, 200, { value: o.skus.map((s) => skuBody(s, o.location)) });
    }
    const m = rgPath.exec(url.pathname);
    if (!m || m[1] !== subscriptionId)
      return armError(res, 404, 'InvalidResourceType', `no route for ${method} ${url.pathname}`);
    const [, , rg, provider, type, name] = m as unknown as [
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const id = `/subscriptions/${subscriptionId}/resourceGroups/${rg}/providers/${provider}/${type}/${name ?? ''}`;

    if (type === 'virtualMachines' && !name && method === 'GET') {
      const f = fault('vm-list');
      calls.push({ call: 'vm-list', method, faulted: !!f });
      if (f) return faultReply(res, f);
      return json(res, 200, { value: [...vms.values()].map(vmView) });
    }
    if (!name) return armError(res, 404, 'InvalidResourceType', `no route for ${method} ${url.pathname}`);

    if (type === 'networkInterfaces') {
      if (method === 'PUT') {
        const body = await readBody(req);
        const f = fault('nic-put');
        calls.push({ call: 'nic-put', method, name, faulted: !!f });
        if (f) return faultReply(res, f);
        const ipcs = (props(body).ipConfigurations ?? []) as Props[];
        if (
          !ipcs.some(
            (c) => typeof ((c.properties as Props | undefined)?.subnet as Props | undefined)?.id === 'string',
          )
        ) {
          return armError(
            res,
            400,
            'InvalidRequestFormat',
            'ipConfigurations[0].properties.subnet.id is required',
          );
        }
        nics.set(name, { id, name, body });
        const view = { ...body, id, name, properties: { ...props(body), provisioningState: 'Succeeded' } };
        const op = operation('Microsoft.Network', { status: 'InProgress', doneAt: Date.now() });
        return json(res, 201, view, { 'azure-asyncoperation': op });
      }
      const nic = nics.get(name);
      if (method === 'GET') {
        calls.push({ call: 'nic-get', method, name, faulted: false });
        if (!nic) return armError(res, 404, 'NotFound', `NIC ${name} not found`);
        return json(res, 200, {
          ...nic.body,
          id,
          name,
          properties: { ...props(nic.body), provisioningState: 'Succeeded' },
        });
      }
      if (method === 'DELETE') {
        calls.push({ call: 'nic-delete', method, name, faulted: false });
        if (!nic) return json(res, 204, undefined);
        const attached = [...vms.values()].some((vm) =>
          (((props(vm.body).networkProfile as Props | undefined)?.networkInterfaces ?? []) as Props[]).some(
            (n) => n.id === id,
          ),
        );
        if (attached) return armError(res, 400, 'NicInUse', `NIC ${name} is attached to a VM`);
        nics.delete(name);
        return json(res, 200, undefined);
      }
    }

    if (type === 'disks') {
      const disk = disks.get(name);
      if (method === 'GET') {
        if (!disk) return armError(res, 404, 'ResourceNotFound', `disk ${name} not found`);
        return json(res, 200, { ...disk.body, id, name });
      }
      if (method === 'DELETE') {
        calls.push({ call: 'disk-delete', method, name, faulted: false });
        if (!disk) return json(res, 204, undefined);
        const inUse = [...vms.values()].some(
          (vm) =>
            ((props(vm.body).storageProfile as Props | undefined)?.osDisk as Props | undefined)?.name ===
            name,
        );
        if (inUse) return armError(res, 409, 'OperationNotAllowed', `disk ${name} is attached to a VM`);
        disks.delete(name);
        return json(res, 200, undefined);
      }
    }

    if (type === 'virtualMachines') {
      if (method === 'GET') {
        const vm = vms.get(name);
        calls.push({ call: 'vm-get', method, name, faulted: false });
        if (!vm)
          return armError(
            res,
            404,
            'ResourceNotFound',
            `The Resource '${provider}/${type}/${name}' under resource group '${rg}' was not found.`,
          );
        return json(res, 200, vmView(vm));
      }
      if (method === 'DELETE') {
        const f = fault('vm-delete');
        calls.push({ call: 'vm-delete', method, name, faulted: !!f });
        if (f) return faultReply(res, f);
        const vm = vms.get(name);
        if (!vm) return json(res, 204, undefined);
        vm.state = 'Deleting';
        const op = operation('Microsoft.Compute', {
          status: 'InProgress',
          doneAt: Date.now() + deleteMs,
          onDone: () => deleteVm(name),
        });
        return json(res, 202, undefined, { location: `${op}&kind=location`, 'retry-after': '0' });
      }
      if (method === 'PUT') {
        const body = await readBody(req);
        const p = props(body);
        const vmSize = String(((p.hardwareProfile ?? {}) as Props).vmSize ?? '');
        const zones = (body.zones ?? []) as string[];
        const zone = zones[0];
        const f = fault('vm-put', vmSize);
        calls.push({
          call: 'vm-put',
          method,
          name,
          vmSize,
          ...(zone ? { zone } : {}),
          faulted: !!f && !f.holdMs,
        });
        if (f && !f.inOperation && !f.holdMs) {
          return faultReply(res, f, `${f.code} for ${vmSize}`);
        }
        const sku = o.skus.find((s) => s.name === vmSize);
        if (
          !sku ||
          sku.restricted === 'region' ||
          (zone && !(sku.zones ?? []).includes(zone)) ||
          (zone && Array.isArray(sku.restricted) && sku.restricted.includes(zone))
        ) {
          return armError(
            res,
            409,
            'SkuNotAvailable',
            `The requested VM size ${vmSize} is currently not available in location '${o.location}'${zone ? ` zone '${zone}'` : ''}.`,
          );
        }
        const nicRefs = ((p.networkProfile ?? {}) as Props).networkInterfaces as Props[] | undefined;
        const nicName =
          String(nicRefs?.[0]?.id ?? '')
            .split('/')
            .pop() ?? '';
        if (!nics.has(nicName))
          return armError(res, 400, 'InvalidResourceReference', `NIC ${nicName} not found`);
        const osProfile = (p.osProfile ?? {}) as Props;
        const existing = vms.get(name);
        if (existing) {
          const had = ((existing.body.zones ?? []) as string[])[0];
          if (had !== zone)
            return armError(
              res,
              409,
              'PropertyChangeNotAllowed',
              `Changing property 'zones' is not allowed.`,
            );
          return json(res, 200, vmView(existing));
        }
        const osDisk = ((p.storageProfile ?? {}) as Props).osDisk as Props | undefined;
        const vm: VmRecord = {
          id,
          name,
          body,
          customData: String(osProfile.customData ?? ''),
          state: 'Creating',
          created: new Date().toISOString(),
        };
        vms.set(name, vm);
        if (typeof osDisk?.name === 'string') {
          disks.set(osDisk.name, {
            id: id.replace(/virtualMachines\/.*$/, `disks/${osDisk.name}`),
            name: osDisk.name,
            body: { location: o.location, tags: body.tags ?? {} },
          });
        }
        const failing = f?.inOperation
          ? { code: f.code, message: f.message ?? `${f.code} for ${vmSize}` }
          : undefined;
        const op = operation('Microsoft.Compute', {
          status: 'InProgress',
          doneAt: Date.now() + createMs,
          ...(failing ? { error: failing } : {}),
          onDone: () => {
            vm.state = failing ? 'Failed' : 'Succeeded';
          },
        });
        if (f?.holdMs) await new Promise((r) => setTimeout(r, f.holdMs));
        return json(res, 201, vmView(vm), { 'azure-asyncoperation': op });
      }
    }
    armError(res, 405, 'MethodNotAllowed', `${method} ${url.pathname}`);
  }

  const server: Server = createServer({ cert, key }, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) armError(res, 500, 'InternalServerError', String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const identityHeader = randomUUID();
  const identityServer = createHttpServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.headers['x-identity-header'] !== identityHeader || !url.searchParams.get('resource')) {
      res
        .writeHead(400, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: 'bad_request' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        access_token: `standin-${randomUUID()}`,
        expires_on: String(Math.floor(Date.now() / 1000) + 3600),
        resource: url.searchParams.get('resource'),
        token_type: 'Bearer',
      }),
    );
  });
  await new Promise<void>((resolve) => identityServer.listen(0, '127.0.0.1', resolve));
  const identity = {
    endpoint: `http://127.0.0.1:${(identityServer.address() as AddressInfo).port}/msi/token`,
    header: identityHeader,
  };

  const tagsOf = (b: Record<string, unknown>) => (b.tags ?? {}) as Record<string, string>;
  return {
    endpoint,
    ca: cert,
    subscriptionId,
    calls,
    identity,
    addFault: (f) => faults.push({ ...f }),
    vms: () =>
      [...vms.values()].map((vm) => {
        const p = props(vm.body);
        const zone = ((vm.body.zones ?? []) as string[])[0];
        return {
          name: vm.name,
          id: vm.id,
          tags: tagsOf(vm.body),
          vmSize: String(((p.hardwareProfile ?? {}) as Props).vmSize ?? ''),
          ...(zone ? { zone } : {}),
          ...(typeof p.priority === 'string' ? { priority: p.priority } : {}),
          state: vm.state,
          created: vm.created,
        };
      }),
    nics: () => [...nics.values()].map((n) => ({ name: n.name, tags: tagsOf(n.body) })),
    disks: () => [...disks.values()].map((d) => ({ name: d.name, tags: tagsOf(d.body) })),
    customDataOf: (vmName) => vms.get(vmName)?.customData,
    evict(vmName) {
      const vm = vms.get(vmName);
      if (!vm) throw new Error(`no VM ${vmName} to evict`);
      deleteVm(vmName);
      return vm.id;
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      identityServer.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await new Promise<void>((resolve) => identityServer.close(() => resolve()));
    },
  };
}
