import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/**
 * A local server answering Google's documented REST shapes for exactly the
 * calls berth makes: Compute Engine instances (insert, get, list, aggregated
 * list, delete, bulkInsert, setMetadata, setLabels), zone operations (get,
 * wait, list), machine types (aggregated
 * list, get), instance templates (get), and the Cloud Billing Catalog's SKU
 * list, with pagination, long-running operations, stockout and quota
 * errors, rate limiting and preemption. No emulator exists for either API;
 * the real SDK clients talk to this one over HTTP in tests and the demo.
 * Listens on 127.0.0.1 only. Never part of the product build.
 */

type Json = Record<string, unknown>;

export interface GceMachineTypeRecord {
  name: string;
  guestCpus: number;
  memoryMb: number;
  isSharedCpu?: boolean;
  architecture?: string;
  accelerators?: { guestAcceleratorType: string; guestAcceleratorCount: number }[];
}

/** A fault the next matching insert or bulkInsert (or any call, for rate limits) meets. */
export type GceFault =
  | {
      kind: 'stockout' | 'quota' | 'unsupported';
      machineType?: string;
      zone?: string;
      times?: number;
      /** How many VMs of a bulkInsert can still be had (default none): the rest fail, as in a partial stockout. */
      capacity?: number;
    }
  /** `path`: only requests whose path ends so (e.g. `/bulkInsert`) meet it. */
  | { kind: 'rate-limit'; times: number; path?: string }
  /** The next insert's operation runs this long (a launch still in flight). */
  | { kind: 'slow'; holdMs: number; times?: number }
  | { kind: 'permission'; permission: string; times?: number };

export interface ComputeServerOptions {
  project: string;
  zones: readonly string[];
  machineTypes: readonly GceMachineTypeRecord[];
  /** Instance templates by name (their `properties`, as GKE node pools write them). */
  templates?: Readonly<Record<string, Json>>;
  /** Cloud Billing SKUs of Compute Engine. */
  skus?: readonly Json[];
  /** Items per page at most, whatever the caller asks; default 50. */
  pageSize?: number;
  /** How long an insert's operation runs before the VM is RUNNING; default 200 ms. */
  provisionMs?: number;
}

export interface ComputeServer {
  endpoint: string;
  /** Inserts that created a VM (a repeated requestId creates nothing). */
  readonly created: number;
  /** Every request, `METHOD path`, in order. */
  readonly requests: readonly string[];
  /** Every VM a new insert or bulkInsert request asked for, in order, and whether a fault refused it. */
  readonly inserts: readonly { zone: string; name: string; machineType: string; refused?: string }[];
  /** Every new bulkInsert request: the VMs it named and those it created. */
  readonly bulkInserts: readonly { zone: string; names: string[]; created: string[]; requestId?: string }[];
  inject(fault: GceFault): void;
  /** Drops every fault not yet met. */
  clearFaults(): void;
  /**
   * Takes a spot VM back as Compute Engine does: a preempted operation at
   * once, the VM shut down after `graceMs` (Google gives ~30 s), then deleted.
   */
  preempt(zone: string, name: string, graceMs?: number): void;
  instances(): Json[];
  setSkus(skus: readonly Json[]): void;
  close(): Promise<void>;
}

const ERROR_REASON: Record<string, { http: number; reason: string; status: string }> = {
  'rate-limit': { http: 429, reason: 'rateLimitExceeded', status: 'RESOURCE_EXHAUSTED' },
  permission: { http: 403, reason: 'forbidden', status: 'PERMISSION_DENIED' },
};

/** The operation errors Compute Engine reports when an insert can't be had. */
const OPERATION_ERROR: Record<'stockout' | 'quota' | 'unsupported', { code: string; message: string }> = {
  stockout: {
    code: 'ZONE_RESOURCE_POOL_EXHAUSTED',
    message: 'The zone does not have enough resources available to fulfill the request.',
  },
  quota: { code: 'QUOTA_EXCEEDED', message: "Quota 'CPUS' exceeded. Limit: 24.0 in region." },
  unsupported: {
    code: 'UNSUPPORTED_OPERATION',
    message: 'Machine type is not supported in this zone.',
  },
};

/** One term of a list filter: `=` compares literally, `eq` matches the whole value against a regular expression. */
export type FilterTerm = [path: string, want: string, op?: 'eq'];

/** `labels.a = "b" AND operationType = "x"`, `(labels.a eq b) (name eq "x-1|x-2")`: every term must hold. */
export function parseFilter(filter: string | null): FilterTerm[] {
  if (!filter) return [];
  return [...filter.matchAll(/([\w.-]+)\s*(=|eq)\s*(?:"([^"]*)"|([^"\s)]+))/g)].map((m): FilterTerm => {
    const path = m[1] ?? '';
    const want = m[3] ?? m[4] ?? '';
    return m[2] === 'eq' ? [path, want, 'eq'] : [path, want];
  });
}

function matches(item: Json, terms: FilterTerm[]): boolean {
  return terms.every(([path, want, op]) => {
    let v: unknown = item;
    for (const part of path.split('.'))
      v = typeof v === 'object' && v !== null ? (v as Json)[part] : undefined;
    const value = String(v ?? '');
    return op === 'eq' ? new RegExp(`^(?:${want})$`).test(value) : value === want;
  });
}

/** A fingerprint as Compute Engine returns them: opaque, changed by every write. */
const fingerprint = () => Buffer.from(randomUUID().slice(0, 8)).toString('base64');

export async function startComputeServer(o: ComputeServerOptions): Promise<ComputeServer> {
  const instances = new Map<string, Json>(); // zone/name -> instance
  const operations = new Map<string, Json>(); // zone/op -> operation
  const byRequestId = new Map<string, Json>();
  let skus = [...(o.skus ?? [])];
  const faults: GceFault[] = [];
  const requests: string[] = [];
  const inserts: { zone: string; name: string; machineType: string; refused?: string }[] = [];
  const bulkInserts: { zone: string; names: string[]; created: string[]; requestId?: string }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let created = 0;
  let nextId = 1_000_000;
  let base = '';
  const pageSize = o.pageSize ?? 50;
  const provisionMs = o.provisionMs ?? 200;
  const proj = `${'/compute/v1/projects/'}${o.project}`;

  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const fail = (res: ServerResponse, http: number, status: string, reason: string, message: string) =>
    send(res, http, {
      error: { code: http, message, status, errors: [{ reason, message, domain: 'global' }] },
    });

  function page<T>(items: T[], url: URL): { items: T[]; nextPageToken?: string } {
    const start = Number(url.searchParams.get('pageToken') ?? 0);
    const asked = Number(url.searchParams.get('maxResults') ?? url.searchParams.get('pageSize') ?? pageSize);
    const size = Math.max(1, Math.min(asked || pageSize, pageSize));
    const slice = items.slice(start, start + size);
    return start + size < items.length
      ? { items: slice, nextPageToken: String(start + size) }
      : { items: slice };
  }

  function takeFault(pred: (f: GceFault) => boolean): GceFault | undefined {
    const i = faults.findIndex(pred);
    if (i < 0) return undefined;
    const f = faults[i] as GceFault;
    const times = (f.times ?? 1) - 1;
    if (times <= 0) faults.splice(i, 1);
    else faults[i] = { ...f, times } as GceFault;
    return f;
  }

  function operation(zone: string, type: string, target: string, extra: Json = {}): Json {
    const name = `operation-${Date.now()}-${randomUUID().slice(0, 8)}`;
    const op: Json = {
      kind: 'compute#operation',
      id: String(nextId++),
      name,
      zone: `${base}${proj}/zones/${zone}`,
      operationType: type,
      targetLink: target,
      status: 'RUNNING',
      progress: 0,
      insertTime: new Date().toISOString(),
      selfLink: `${base}${proj}/zones/${zone}/operations/${name}`,
      ...extra,
    };
    operations.set(`${zone}/${name}`, op);
    return op;
  }

  const done = (op: Json, error?: { code: string; message: string }) => {
    op.status = 'DONE';
    op.progress = 100;
    op.endTime = new Date().toISOString();
    if (error) {
      op.error = { errors: [error] };
      op.httpErrorStatusCode = error.code === 'QUOTA_EXCEEDED' ? 403 : 503;
      op.httpErrorMessage = error.message;
    }
  };

  function insert(zone: string, body: Json, url: URL, res: ServerResponse): void {
    const requestId = url.searchParams.get('requestId');
    const again = requestId ? byRequestId.get(requestId) : undefined;
    if (again) {
      send(res, 200, again);
      return;
    }
    const name = String(body.name ?? '');
    const type =
      String(body.machineType ?? '')
        .split('/')
        .pop() ?? '';
    const target = `${base}${proj}/zones/${zone}/instances/${name}`;
    if (!o.zones.includes(zone)) {
      fail(res, 404, 'NOT_FOUND', 'notFound', `The resource 'zones/${zone}' was not found`);
      return;
    }
    if (instances.has(`${zone}/${name}`)) {
      fail(res, 409, 'ALREADY_EXISTS', 'alreadyExists', `The resource '${target}' already exists`);
      return;
    }
    const op = operation(zone, 'insert', target);
    if (requestId) byRequestId.set(requestId, op);
    if (!o.machineTypes.some((t) => t.name === type)) {
      done(op, { code: 'RESOURCE_NOT_FOUND', message: `The resource 'machineTypes/${type}' was not found` });
      send(res, 200, op);
      return;
    }
    const fault = takeFault(
      (f) =>
        (f.kind === 'stockout' || f.kind === 'quota' || f.kind === 'unsupported') &&
        (f.machineType === undefined || f.machineType === type) &&
        (f.zone === undefined || f.zone === zone),
    );
    if (fault && (fault.kind === 'stockout' || fault.kind === 'quota' || fault.kind === 'unsupported')) {
      inserts.push({ zone, name, machineType: type, refused: OPERATION_ERROR[fault.kind].code });
      later(provisionMs / 2, () => done(op, OPERATION_ERROR[fault.kind]));
      send(res, 200, op);
      return;
    }
    inserts.push({ zone, name, machineType: type });
    const slow = takeFault((f) => f.kind === 'slow');
    const holdMs = slow?.kind === 'slow' ? slow.holdMs : provisionMs;
    op.targetId = createVm(zone, name, type, body, holdMs);
    later(holdMs, () => done(op));
    send(res, 200, op);
  }

  /** A new VM, PROVISIONING until `holdMs` has passed; returns its id. */
  function createVm(zone: string, name: string, type: string, body: Json, holdMs: number): string {
    const id = String(nextId++);
    const metadata = (body.metadata ?? {}) as Json;
    const vm: Json = {
      ...body,
      name,
      kind: 'compute#instance',
      id,
      zone: `${base}${proj}/zones/${zone}`,
      machineType: `${base}${proj}/zones/${zone}/machineTypes/${type}`,
      metadata: { ...metadata, kind: 'compute#metadata', fingerprint: fingerprint() },
      labelFingerprint: fingerprint(),
      status: 'PROVISIONING',
      creationTimestamp: new Date().toISOString(),
      selfLink: `${base}${proj}/zones/${zone}/instances/${name}`,
    };
    instances.set(`${zone}/${name}`, vm);
    created++;
    later(holdMs, () => {
      if (instances.get(`${zone}/${name}`) === vm) vm.status = 'RUNNING';
    });
    return id;
  }

  /** The names a bulkInsert asks for: perInstanceProperties' keys, then namePattern's `#` run counted up to `count`. */
  function bulkNames(body: Json, count: number, zone: string): string[] {
    const names = Object.keys((body.perInstanceProperties ?? {}) as Json);
    const pattern = typeof body.namePattern === 'string' ? body.namePattern : '';
    const run = /#+/.exec(pattern);
    for (let i = 1; names.length < count && run; i++) {
      const name = pattern.replace(run[0], String(i).padStart(run[0].length, '0'));
      if (!names.includes(name) && !instances.has(`${zone}/${name}`)) names.push(name);
    }
    return names;
  }

  /**
   * instances.bulkInsert: validated up front (a request that can't create
   * `minCount` VMs fails at once and creates none, as Google documents), then
   * one zone operation; a partial stockout creates what it can.
   */
  function bulkInsert(zone: string, body: Json, url: URL, res: ServerResponse) {
    const requestId = url.searchParams.get('requestId');
    const again = requestId ? byRequestId.get(requestId) : undefined;
    if (again) return send(res, 200, again);
    if (!o.zones.includes(zone))
      return fail(res, 404, 'NOT_FOUND', 'notFound', `The resource 'zones/${zone}' was not found`);
    const template = typeof body.sourceInstanceTemplate === 'string' ? body.sourceInstanceTemplate : '';
    const props = (body.instanceProperties ?? o.templates?.[template.split('/').pop() ?? '']) as
      | Json
      | undefined;
    const count = Number(body.count ?? 0);
    const minCount = Number(body.minCount ?? count);
    const names = bulkNames(body, count, zone);
    if (!props || !(count >= 1) || !(minCount >= 1) || minCount > count || names.length !== count)
      return fail(
        res,
        400,
        'INVALID_ARGUMENT',
        'invalid',
        "Invalid value for field 'resource': expected count >= minCount >= 1, instanceProperties or a sourceInstanceTemplate, and a name for each of count instances",
      );
    const taken = names.find((n) => instances.has(`${zone}/${n}`));
    if (taken)
      return fail(
        res,
        409,
        'ALREADY_EXISTS',
        'alreadyExists',
        `The resource '${proj}/zones/${zone}/instances/${taken}' already exists`,
      );
    const type =
      String(props.machineType ?? '')
        .split('/')
        .pop() ?? '';
    if (!o.machineTypes.some((t) => t.name === type))
      return fail(
        res,
        400,
        'INVALID_ARGUMENT',
        'invalid',
        `Invalid value for field 'resource.instanceProperties.machineType': '${type}'`,
      );
    const fault = takeFault(
      (f) =>
        (f.kind === 'stockout' || f.kind === 'quota' || f.kind === 'unsupported') &&
        (f.machineType === undefined || f.machineType === type) &&
        (f.zone === undefined || f.zone === zone),
    );
    const capacityFault =
      fault && (fault.kind === 'stockout' || fault.kind === 'quota' || fault.kind === 'unsupported')
        ? fault
        : undefined;
    const available = capacityFault ? Math.min(capacityFault.capacity ?? 0, count) : count;
    const making = names.slice(0, available);
    const refused = capacityFault ? OPERATION_ERROR[capacityFault.kind] : undefined;
    for (const name of names)
      inserts.push({
        zone,
        name,
        machineType: type,
        ...(refused && !making.includes(name) ? { refused: refused.code } : {}),
      });
    bulkInserts.push({ zone, names, created: making, ...(requestId ? { requestId } : {}) });
    if (capacityFault && available < minCount) {
      const http = capacityFault.kind === 'quota' ? 403 : capacityFault.kind === 'stockout' ? 503 : 400;
      const reason =
        capacityFault.kind === 'quota'
          ? 'quotaExceeded'
          : capacityFault.kind === 'stockout'
            ? 'insufficientCapacity'
            : 'invalid';
      return fail(
        res,
        http,
        http === 400 ? 'INVALID_ARGUMENT' : 'UNAVAILABLE',
        reason,
        `${refused?.code}: ${refused?.message}`,
      );
    }
    const op = operation(zone, 'bulkInsert', `${base}${proj}/zones/${zone}`, {
      instancesBulkInsertOperationMetadata: {
        perLocationStatus: {
          [`zones/${zone}`]: {
            status: 'CREATING',
            targetVmCount: count,
            createdVmCount: 0,
            failedToCreateVmCount: 0,
            deletedVmCount: 0,
          },
        },
      },
    });
    if (requestId) byRequestId.set(requestId, op);
    const slow = takeFault((f) => f.kind === 'slow');
    const holdMs = slow?.kind === 'slow' ? slow.holdMs : provisionMs;
    const perInstance = (body.perInstanceProperties ?? {}) as Record<string, Json>;
    // Instance properties name disk types; the VM's disks carry their zonal paths, as insert's do.
    const disks = ((props.disks ?? []) as Json[]).map((d) => {
      const init = (d.initializeParams ?? {}) as Json;
      const diskType = typeof init.diskType === 'string' ? init.diskType.split('/').pop() : undefined;
      return diskType
        ? { ...d, initializeParams: { ...init, diskType: `zones/${zone}/diskTypes/${diskType}` } }
        : d;
    });
    for (const name of making) {
      const hostname = perInstance[name]?.hostname;
      createVm(zone, name, type, { ...props, disks, ...(hostname ? { hostname } : {}) }, holdMs);
    }
    later(holdMs, () => {
      op.instancesBulkInsertOperationMetadata = {
        perLocationStatus: {
          [`zones/${zone}`]: {
            status: 'DONE',
            targetVmCount: count,
            createdVmCount: making.length,
            failedToCreateVmCount: count - making.length,
            deletedVmCount: 0,
          },
        },
      };
      // The VMs that could not be had are reported as the operation's errors, the others are created.
      done(op, making.length < count ? refused : undefined);
    });
    send(res, 200, op);
  }

  /** setMetadata and setLabels: refused when the fingerprint is not the current one, as Google does. */
  function setOnVm(
    zone: string,
    name: string,
    verb: 'setMetadata' | 'setLabels',
    body: Json,
    url: URL,
    res: ServerResponse,
  ) {
    const requestId = url.searchParams.get('requestId');
    const again = requestId ? byRequestId.get(requestId) : undefined;
    if (again) return send(res, 200, again);
    const vm = instances.get(`${zone}/${name}`);
    const target = `${base}${proj}/zones/${zone}/instances/${name}`;
    if (!vm) return fail(res, 404, 'NOT_FOUND', 'notFound', `The resource '${target}' was not found`);
    const metadata = (vm.metadata ?? {}) as Json;
    const current = verb === 'setMetadata' ? metadata.fingerprint : vm.labelFingerprint;
    const given = verb === 'setMetadata' ? body.fingerprint : body.labelFingerprint;
    if (given !== current)
      return fail(
        res,
        412,
        'FAILED_PRECONDITION',
        'conditionNotMet',
        `Supplied fingerprint does not match current ${verb === 'setMetadata' ? 'metadata' : 'label'} fingerprint.`,
      );
    if (verb === 'setMetadata')
      vm.metadata = { kind: 'compute#metadata', items: body.items ?? [], fingerprint: fingerprint() };
    else {
      vm.labels = body.labels ?? {};
      vm.labelFingerprint = fingerprint();
    }
    const op = operation(zone, verb, target, { targetId: vm.id });
    if (requestId) byRequestId.set(requestId, op);
    later(Math.min(provisionMs, 50), () => done(op));
    send(res, 200, op);
  }

  function remove(zone: string, name: string, res: ServerResponse): void {
    const vm = instances.get(`${zone}/${name}`);
    const target = `${base}${proj}/zones/${zone}/instances/${name}`;
    if (!vm) {
      fail(res, 404, 'NOT_FOUND', 'notFound', `The resource '${target}' was not found`);
      return;
    }
    vm.status = 'STOPPING';
    const op = operation(zone, 'delete', target, { targetId: vm.id });
    later(provisionMs, () => {
      if (instances.get(`${zone}/${name}`) === vm) instances.delete(`${zone}/${name}`);
      done(op);
    });
    send(res, 200, op);
  }

  function aggregated<T extends Json>(key: string, all: [string, T][], url: URL) {
    const terms = parseFilter(url.searchParams.get('filter'));
    const flat = all.filter(([, item]) => matches(item, terms));
    const p = page(flat, url);
    const items: Record<string, Json> = {};
    for (const [zone, item] of p.items) {
      const scope = (items[`zones/${zone}`] ?? { [key]: [] }) as Record<string, T[]>;
      items[`zones/${zone}`] = scope;
      scope[key]?.push(item);
    }
    return {
      kind: `compute#${key}AggregatedList`,
      items,
      ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    requests.push(`${method} ${path}`);
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? (JSON.parse(raw) as Json) : {};

    if (takeFault((f) => f.kind === 'rate-limit' && (f.path === undefined || path.endsWith(f.path)))) {
      const e = ERROR_REASON['rate-limit'];
      fail(res, e?.http ?? 429, e?.status ?? '', e?.reason ?? '', 'Rate Limit Exceeded');
      return;
    }
    const perm = faults.find((f) => f.kind === 'permission');
    if (perm?.kind === 'permission' && takeFault((f) => f === perm)) {
      return fail(
        res,
        403,
        'PERMISSION_DENIED',
        'forbidden',
        `Required '${perm.permission}' permission for 'projects/${o.project}'`,
      );
    }

    let m: RegExpExecArray | null;
    m = /^\/v1\/services\/[^/]+\/skus$/.exec(path);
    if (m) {
      const p = page(skus, url);
      send(res, 200, { skus: p.items, nextPageToken: p.nextPageToken ?? '' });
      return;
    }
    if (!path.startsWith(`${proj}/`)) {
      fail(res, 404, 'NOT_FOUND', 'notFound', `no such resource: ${path}`);
      return;
    }
    const rest = path.slice(proj.length);
    if (rest === '/aggregated/machineTypes' && method === 'GET') {
      const all = o.zones.flatMap((zone) =>
        o.machineTypes.map((t) => [zone, { kind: 'compute#machineType', ...t, zone }] as [string, Json]),
      );
      send(res, 200, aggregated('machineTypes', all, url));
      return;
    }
    if (rest === '/aggregated/instances' && method === 'GET') {
      const all = [...instances].map(([k, v]) => [k.split('/')[0] ?? '', v] as [string, Json]);
      send(res, 200, aggregated('instances', all, url));
      return;
    }
    m = /^\/global\/instanceTemplates\/([^/]+)$/.exec(rest);
    if (m && method === 'GET') {
      const t = o.templates?.[m[1] ?? ''];
      if (!t)
        return fail(
          res,
          404,
          'NOT_FOUND',
          'notFound',
          `The resource 'instanceTemplates/${m[1]}' was not found`,
        );
      send(res, 200, { kind: 'compute#instanceTemplate', name: m[1], properties: t });
      return;
    }
    m = /^\/zones\/([^/]+)\/machineTypes\/([^/]+)$/.exec(rest);
    if (m && method === 'GET') {
      const t = o.machineTypes.find((x) => x.name === m?.[2]);
      if (!t || !o.zones.includes(m[1] ?? '')) {
        fail(res, 404, 'NOT_FOUND', 'notFound', 'machine type not found');
        return;
      }
      send(res, 200, { kind: 'compute#machineType', ...t, zone: m[1] });
      return;
    }
    m = /^\/zones\/([^/]+)\/instances$/.exec(rest);
    if (m) {
      const zone = m[1] ?? '';
      if (method === 'POST') {
        insert(zone, body, url, res);
        return;
      }
      const terms = parseFilter(url.searchParams.get('filter'));
      const list = [...instances]
        .filter(([k, v]) => k.startsWith(`${zone}/`) && matches(v, terms))
        .map(([, v]) => v);
      const p = page(list, url);
      return send(res, 200, {
        items: p.items,
        ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
      });
    }
    m = /^\/zones\/([^/]+)\/instances\/bulkInsert$/.exec(rest);
    if (m && method === 'POST') return bulkInsert(m[1] ?? '', body, url, res);
    m = /^\/zones\/([^/]+)\/instances\/([^/]+)\/(setMetadata|setLabels)$/.exec(rest);
    if (m && method === 'POST')
      return setOnVm(m[1] ?? '', m[2] ?? '', m[3] as 'setMetadata' | 'setLabels', body, url, res);
    m = /^\/zones\/([^/]+)\/instances\/([^/]+)$/.exec(rest);
    if (m) {
      const [zone, name] = [m[1] ?? '', m[2] ?? ''];
      if (method === 'DELETE') {
        remove(zone, name, res);
        return;
      }
      const vm = instances.get(`${zone}/${name}`);
      if (!vm) {
        fail(res, 404, 'NOT_FOUND', 'notFound', `The resource 'instances/${name}' was not found`);
        return;
      }
      send(res, 200, vm);
      return;
    }
    m = /^\/zones\/([^/]+)\/operations$/.exec(rest);
    if (m && method === 'GET') {
      const terms = parseFilter(url.searchParams.get('filter'));
      const list = [...operations]
        .filter(([k, v]) => k.startsWith(`${m?.[1]}/`) && matches(v, terms))
        .map(([, v]) => v);
      const p = page(list, url);
      return send(res, 200, {
        items: p.items,
        ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : {}),
      });
    }
    m = /^\/zones\/([^/]+)\/operations\/([^/]+?)(\/wait)?$/.exec(rest);
    if (m) {
      const op = operations.get(`${m[1]}/${m[2]}`);
      if (!op) {
        fail(res, 404, 'NOT_FOUND', 'notFound', `The resource 'operations/${m[2]}' was not found`);
        return;
      }
      if (m[3] && method === 'POST') {
        // wait: answers when the operation is done, or after a while (Google: up to 2 minutes) with its state.
        const until = Date.now() + 2_000;
        while (op.status !== 'DONE' && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
      }
      send(res, 200, op);
      return;
    }
    fail(res, 404, 'NOT_FOUND', 'notFound', `no such resource: ${method} ${path}`);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => fail(res, 500, 'INTERNAL', 'backendError', String(err)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('the compute server has no port');
  base = `http://127.0.0.1:${address.port}`;

  return {
    endpoint: base,
    get created() {
      return created;
    },
    requests,
    inserts,
    bulkInserts,
    inject: (fault) => faults.push(fault),
    clearFaults: () => faults.splice(0),
    preempt(zone, name, graceMs = 3_000) {
      const vm = instances.get(`${zone}/${name}`);
      const target = `${base}${proj}/zones/${zone}/instances/${name}`;
      const op = operation(zone, 'compute.instances.preempted', target, {
        targetId: vm?.id,
        statusMessage: 'Instance was preempted.',
      });
      done(op);
      later(graceMs, () => {
        if (vm) vm.status = 'STOPPING';
        later(provisionMs, () => {
          if (instances.get(`${zone}/${name}`) === vm) instances.delete(`${zone}/${name}`);
        });
      });
    },
    instances: () => [...instances.values()],
    setSkus(next) {
      skus = [...next];
    },
    async close() {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
