import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registrationOf } from '../../providers/gcp/bootstrap.ts';
import type { ComputeServer } from '../../providers/gcp/compute-server.ts';
import type { GcpProviderConfig } from '../../providers/gcp/config.ts';
import { createGcpProvider, type GcpProvider } from '../../providers/gcp/provider.ts';
import { CapacityError, type Claim, type Instance, type Offering } from '../../src/model/index.ts';
import { startLocalGcp } from './gcp-local.ts';

/**
 * Batched launches on Compute Engine: the GCP provider through the real
 * Google SDK clients against the local Compute Engine server, one zonal
 * instances.bulkInsert per launch specification and window.
 */
const REGION = 'us-central1';
const ZONES = [`${REGION}-a`, `${REGION}-b`];
const PROJECT = 'berth-batch-test';

let server: ComputeServer;
let provider: GcpProvider;
let offerings: Offering[];
let serial = 0;

type Vm = Record<string, unknown> & {
  name: string;
  labels?: Record<string, string>;
  metadata?: { items?: { key: string; value: string }[] };
};

/** A claim of its own (ids never repeat across tests), of one launch specification. */
function claim(type = 'e2-standard-2', rootVolumeGiB = 40): Claim {
  const offering = offerings.find(
    (o) => o.instanceType === type && o.capacityType === 'on-demand' && o.zone === undefined,
  );
  if (!offering) throw new Error(`no offering ${type}`);
  const n = ++serial;
  const uid = `pod-uid-${String(n).padStart(4, '0')}`;
  return {
    id: `00000000-0000-4000-8000-00000000${String(n).padStart(4, '0')}-0`,
    nodeName: `berth-batch${n}-0`,
    pod: { namespace: 'batch', name: `pod-${n}`, uid },
    offering,
    labels: { 'berth.dev/pod-uid': uid },
    taints: [{ key: 'berth.dev/dedicated', value: uid, effect: 'NoSchedule' }],
    node: { rootVolumeGiB, maxPods: 12 },
  };
}

let config: () => GcpProviderConfig;

const newProvider = () =>
  createGcpProvider(config(), {
    installation: 'gcp-batch-test',
    retry: { baseDelayMs: 10, maxDelayMs: 40 },
    // A wide window: claims launched together on this busy machine still meet in one batch.
    batching: { windowMs: 300 },
    onWarning: () => {},
  });

const vm = (name: string) => server.instances().find((v) => v.name === name) as Vm | undefined;
const meta = (v: Vm | undefined, key: string) => v?.metadata?.items?.find((i) => i.key === key)?.value;
const count = (pattern: RegExp, from: number) =>
  server.requests.slice(from).filter((r) => pattern.test(r)).length;
const launchAll = (p: GcpProvider, claims: Claim[]) =>
  Promise.allSettled(claims.map((c) => p.launch(c, AbortSignal.timeout(60_000))));
const launched = (results: PromiseSettledResult<Instance>[]) =>
  results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));

/** The claim's own registration and labels are on its VM, and nothing holds its boot any more. */
function expectClaimWritten(c: Claim): void {
  const v = vm(c.nodeName);
  expect(v, c.nodeName).toBeDefined();
  expect(v?.labels).toMatchObject({
    'berth-claim': c.id,
    'berth-pod': c.pod.name,
    'berth-namespace': 'batch',
  });
  expect(meta(v, 'berth-claim')).toBe(c.id);
  expect(meta(v, 'berth-awaits-claim')).toBeUndefined();
  const reg = registrationOf(v?.metadata?.items ?? []);
  expect(reg.taints).toContainEqual({ key: 'berth.dev/dedicated', value: c.pod.uid, effect: 'NoSchedule' });
  expect(reg.taints.filter((t) => t.key === 'berth.dev/dedicated')).toHaveLength(1);
  expect(reg.labels['berth.dev/pod-uid']).toBe(c.pod.uid);
  expect(reg.maxPods).toBe(12);
}

beforeAll(async () => {
  const local = await startLocalGcp({ project: PROJECT, cluster: 'batch', region: REGION });
  ({ server, offerings } = local);
  config = () => local.config;
  provider = newProvider();
}, 60_000);

afterAll(async () => {
  await provider?.close();
  await server?.close();
});

describe('batched launches on Compute Engine (instances.bulkInsert)', () => {
  it('launches N claims of one launch specification with one bulkInsert, one VM and its own values per claim', async () => {
    const claims = Array.from({ length: 5 }, () => claim());
    const bulkBefore = server.bulkInserts.length;
    const from = server.requests.length;
    const results = await launchAll(provider, claims);
    const instances = launched(results);
    expect(instances).toHaveLength(5);
    const bulks = server.bulkInserts.slice(bulkBefore);
    expect(bulks).toHaveLength(1);
    expect([...(bulks[0]?.names ?? [])].sort()).toEqual(claims.map((c) => c.nodeName).sort());
    // No instances.insert of its own for any claim; one list before the batch and one after it.
    expect(count(/^POST .*\/instances$/, from)).toBe(0);
    expect(count(/^GET .*\/aggregated\/instances$/, from)).toBe(2);
    for (const [i, c] of claims.entries()) {
      expect(instances[i]).toMatchObject({ claimId: c.id, nodeName: c.nodeName, offeringId: c.offering.id });
      expectClaimWritten(c);
    }
    expect(new Set(instances.map((i) => i.id)).size).toBe(5);
    // The batch's requestId comes from its claims: the same batch sent again is the same request.
    expect(bulks[0]?.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('two launch specifications make two bulkInserts; a repeat launch makes no call that creates or writes', async () => {
    const small = [claim('e2-standard-2'), claim('e2-standard-2')];
    const bigger = [claim('e2-standard-2', 80), claim('e2-standard-2', 80)];
    const bulkBefore = server.bulkInserts.length;
    const results = await launchAll(provider, [...small, ...bigger]);
    expect(launched(results)).toHaveLength(4);
    const bulks = server.bulkInserts.slice(bulkBefore);
    expect(bulks).toHaveLength(2);
    const disk = (c: Claim) =>
      (vm(c.nodeName)?.disks as { initializeParams: { diskSizeGb: string } }[] | undefined)?.[0]
        ?.initializeParams.diskSizeGb;
    expect([...small, ...bigger].map(disk)).toEqual(['40', '40', '80', '80']);

    const createdBefore = server.created;
    const from = server.requests.length;
    const again = launched(await launchAll(provider, [...small, ...bigger]));
    expect(again.map((i) => i.id)).toEqual(launched(results).map((i) => i.id));
    expect(server.created).toBe(createdBefore);
    expect(server.bulkInserts.length - bulkBefore).toBe(2);
    expect(count(/^POST /, from)).toBe(0);
  });

  it('a partial stockout launches what it can; only the claims left over get a capacity error, each its own', async () => {
    // Quota is regional: no other zone is tried, the claims without a VM fall back.
    const claims = Array.from({ length: 4 }, () => claim('e2-standard-4'));
    server.inject({ kind: 'quota', machineType: 'e2-standard-4', capacity: 2 });
    const results = await launchAll(provider, claims);
    const ok = launched(results);
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []));
    expect(ok).toHaveLength(2);
    expect(failed).toHaveLength(2);
    for (const e of failed) {
      expect(e).toBeInstanceOf(CapacityError);
      expect((e as CapacityError).reason).toBe('quota');
    }
    expect(failed[0]).not.toBe(failed[1]);
    for (const i of ok) expectClaimWritten(claims.find((c) => c.id === i.claimId) as Claim);
    const without = claims.filter((c) => !ok.some((i) => i.claimId === c.id));
    for (const c of without) expect(vm(c.nodeName)).toBeUndefined();

    // A stockout is a zone's: the claims the first zone could not take go to the next one together.
    const more = Array.from({ length: 3 }, () => claim('n2-standard-2'));
    const bulkBefore = server.bulkInserts.length;
    server.inject({ kind: 'stockout', zone: ZONES[0], machineType: 'n2-standard-2', capacity: 1 });
    const spread = launched(await launchAll(provider, more));
    expect(spread).toHaveLength(3);
    const bulks = server.bulkInserts.slice(bulkBefore);
    expect(bulks.map((b) => [b.zone, b.names.length, b.created.length])).toEqual([
      [ZONES[0], 3, 1],
      [ZONES[1], 2, 2],
    ]);
    for (const c of more) expectClaimWritten(c);

    // No zone has any: bulkInsert refuses up front (HTTP 503), nothing is created, every claim falls back.
    const none = Array.from({ length: 2 }, () => claim('n2-standard-4'));
    server.inject({ kind: 'stockout', machineType: 'n2-standard-4', times: 2 });
    const createdBefore = server.created;
    const refused = await launchAll(provider, none);
    for (const r of refused) {
      expect(r.status).toBe('rejected');
      const e = (r as PromiseRejectedResult).reason as unknown;
      expect(e).toBeInstanceOf(CapacityError);
      expect((e as CapacityError).reason).toBe('insufficient-capacity');
    }
    expect(server.created).toBe(createdBefore);
  });

  it('a crash between the bulkInsert and the per-claim writes: the claim gets that same VM after a restart, and list() reports the others', async () => {
    const claims = [claim('e2-standard-8'), claim('e2-standard-8')];
    const first = newProvider();
    // The batch's operation runs long: the provider is closed (the process "dies") while it waits on it.
    server.inject({ kind: 'slow', holdMs: 3_000 });
    const bulkBefore = server.bulkInserts.length;
    const pending = launchAll(first, claims);
    for (let i = 0; i < 200 && server.bulkInserts.length === bulkBefore; i++)
      await new Promise((r) => setTimeout(r, 25));
    expect(server.bulkInserts.length).toBe(bulkBefore + 1);
    await first.close();
    expect((await pending).every((r) => r.status === 'rejected')).toBe(true);
    // Both VMs exist, neither knows its claim yet: their boot waits, and no pod can land on them.
    for (const c of claims) {
      const v = vm(c.nodeName);
      expect(meta(v, 'berth-awaits-claim')).toBe('true');
      expect(v?.labels?.['berth-claim']).toBeUndefined();
      expect(registrationOf(v?.metadata?.items ?? []).taints).toContainEqual({
        key: 'berth.dev/dedicated',
        value: 'awaiting-claim',
        effect: 'NoSchedule',
      });
    }
    // What garbage collection sees: both VMs, by name, with no claim yet.
    const listed = (await provider.list()).filter((i) => claims.some((c) => c.nodeName === i.nodeName));
    expect(listed.map((i) => [i.nodeName, i.claimId]).sort()).toEqual(
      claims.map((c) => [c.nodeName, '']).sort(),
    );

    // After the restart the first claim launches again: the same VM, finished, nothing new created.
    const createdBefore = server.created;
    const [again] = launched(await launchAll(provider, [claims[0] as Claim]));
    expect(again?.nodeName).toBe(claims[0]?.nodeName);
    expect(server.created).toBe(createdBefore);
    expect(server.bulkInserts.length).toBe(bulkBefore + 1);
    expectClaimWritten(claims[0] as Claim);
    const after = (await provider.list()).find((i) => i.nodeName === claims[0]?.nodeName);
    expect(after?.claimId).toBe(claims[0]?.id);
    // The other claim never came back: its VM stays unclaimed until garbage collection takes it.
    expect(meta(vm(claims[1]?.nodeName ?? ''), 'berth-awaits-claim')).toBe('true');
    for (const i of listed) await provider.terminate(i.id);
  }, 60_000);

  it('a VM that appears between the list and the bulkInsert (a launch that gave up went on) is adopted, not bought twice', async () => {
    const [a, b] = [claim('e2-medium'), claim('e2-medium')] as [Claim, Claim];
    const single = createGcpProvider(config(), {
      installation: 'gcp-batch-test',
      batching: false,
      onWarning: () => {},
    });
    const patient = createGcpProvider(config(), {
      installation: 'gcp-batch-test',
      retry: { maxAttempts: 1_000, baseDelayMs: 100, maxDelayMs: 100 },
      batching: { windowMs: 300 },
      onWarning: () => {},
    });
    try {
      // The batch's list finds nothing; its bulkInsert is throttled until a's VM is inserted on its own.
      server.inject({ kind: 'rate-limit', times: 1_000, path: '/bulkInsert' });
      const from = server.requests.length;
      const batch = launchAll(patient, [a, b]);
      for (let i = 0; i < 200 && count(/bulkInsert$/, from) === 0; i++)
        await new Promise((r) => setTimeout(r, 20));
      const alone = await single.launch(a, AbortSignal.timeout(30_000));
      server.clearFaults();
      const results = await batch;
      const got = launched(results);
      expect(got.map((i) => i.nodeName).sort()).toEqual([a.nodeName, b.nodeName].sort());
      expect(got.find((i) => i.claimId === a.id)?.id).toBe(alone.id);
      expect(server.instances().filter((v) => v.name === a.nodeName)).toHaveLength(1);
      // Refused as taken once, then sent again for b alone.
      expect(server.bulkInserts.at(-1)?.names).toEqual([b.nodeName]);
      expectClaimWritten(a);
      expectClaimWritten(b);
    } finally {
      await single.close();
      await patient.close();
    }
  });

  it('with batching off (--gcp-launch-batch-window 0) each claim is one instances.insert', async () => {
    const single = createGcpProvider(config(), {
      installation: 'gcp-batch-test',
      batching: false,
      onWarning: () => {},
    });
    try {
      const claims = [claim('e2-highcpu-2'), claim('e2-highcpu-2')];
      const bulkBefore = server.bulkInserts.length;
      const from = server.requests.length;
      expect(launched(await launchAll(single, claims))).toHaveLength(2);
      expect(server.bulkInserts.length).toBe(bulkBefore);
      expect(count(/^POST .*\/instances$/, from)).toBe(2);
      for (const c of claims) expectClaimWritten(c);
    } finally {
      await single.close();
    }
  });

  it("a VM under the name of a claim that is another claim's is a conflict, not a second VM", async () => {
    const c = claim();
    await provider.launch(c, AbortSignal.timeout(30_000));
    const thief = { ...claim(), nodeName: c.nodeName };
    const err = await provider.launch(thief, AbortSignal.timeout(30_000)).catch((e: unknown) => e);
    expect((err as Error).name).toBe('ClaimConflictError');
    expectClaimWritten(c);
  });
});
