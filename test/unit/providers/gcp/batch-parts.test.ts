import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registrationOf } from '../../../../providers/gcp/bootstrap.ts';
import { bulkRefusal } from '../../../../providers/gcp/bulk-launch.ts';
import { parseFilter } from '../../../../providers/gcp/compute-server.ts';
import { instanceFor, sharedInstanceProperties } from '../../../../providers/gcp/instance-properties.ts';
import { instanceFromGce, namesFilter } from '../../../../providers/gcp/labels.ts';
import { launchSpecKey } from '../../../../providers/launch-batches.ts';
import { gcpBatchingFromFlags } from '../../../../src/cli/gcp-flags.ts';
import { CapacityError, type Claim, InputError } from '../../../../src/model/index.ts';
import { testOffering } from '../../../fixtures/offering.ts';

const template = {
  machineType: 'e2-medium',
  labels: { 'goog-gke-node': '' },
  metadata: {
    items: [
      { key: 'kube-env', value: 'NODE_TAINTS: ""\nKUBELET_ARGS: --v=2\n' },
      { key: 'kube-labels', value: 'cloud.google.com/gke-nodepool=default-pool' },
      {
        key: 'user-data',
        value: '#cloud-config\nbootcmd:\n  - [echo, gke]\nruncmd:\n  - [sh, /configure.sh]\n',
      },
    ],
  },
  disks: [{ boot: true, initializeParams: { diskType: 'pd-balanced', diskSizeGb: '100' } }],
};
const owner = { cluster: 'c1', installation: 'berth' };

function claim(n: number, node = { rootVolumeGiB: 40, maxPods: 12 }): Claim {
  return {
    id: `berth-uid-${n}-0`,
    nodeName: `berth-pod${n}-0`,
    pod: { namespace: 'ns', name: `pod-${n}`, uid: `uid-${n}` },
    offering: testOffering({ cloud: 'gcp', region: 'us-central1', instanceType: 'e2-standard-2' }),
    labels: { 'berth.dev/pod-uid': `uid-${n}` },
    taints: [{ key: 'berth.dev/dedicated', value: `uid-${n}`, effect: 'NoSchedule' }],
    node,
  };
}

describe('the launch specification key', () => {
  it('is the same for claims a batch can share and differs in offering, root disk or maxPods', () => {
    expect(launchSpecKey(claim(1))).toBe(launchSpecKey(claim(2)));
    expect(launchSpecKey(claim(1))).not.toBe(launchSpecKey(claim(1, { rootVolumeGiB: 80, maxPods: 12 })));
    expect(launchSpecKey(claim(1))).not.toBe(launchSpecKey(claim(1, { rootVolumeGiB: 40, maxPods: 30 })));
    const spot = {
      ...claim(1),
      offering: testOffering({ cloud: 'gcp', instanceType: 'e2-standard-2', capacityType: 'spot' }),
    };
    expect(launchSpecKey(spot)).not.toBe(launchSpecKey(claim(1)));
  });
});

describe("a bulkInsert's shared instance properties", () => {
  it('carry no claim: only the installation labels, a taint no pod tolerates, and the wait for the claim', () => {
    const shared = sharedInstanceProperties(claim(1), 'us-central1-a', template, {}, owner);
    const text = JSON.stringify(shared);
    expect(text).not.toMatch(/uid-1|pod-1|berth-uid-1/);
    expect(shared.labels).toEqual({
      'goog-gke-node': '',
      'berth-cluster': 'c1',
      'berth-installation': 'berth',
    });
    expect(shared.machineType).toBe('e2-standard-2');
    expect(shared.disks?.[0]?.initializeParams).toMatchObject({ diskType: 'pd-balanced', diskSizeGb: '40' });
    const items = shared.metadata?.items ?? [];
    expect(items.find((i) => i.key === 'berth-awaits-claim')?.value).toBe('true');
    const reg = registrationOf(items);
    expect(reg.taints).toEqual([
      { key: 'berth.dev/dedicated', value: 'awaiting-claim', effect: 'NoSchedule' },
    ]);
    expect(reg.maxPods).toBe(12);
    // The boot waits for the per-claim write before GKE's scripts read kube-env; the pool's own steps follow.
    const userData = parse(items.find((i) => i.key === 'user-data')?.value ?? '') as {
      bootcmd: string[][];
      runcmd: string[][];
    };
    expect(userData.bootcmd[0]?.[2]).toMatch(/computeMetadata\/v1\/instance\/attributes\/berth-claim/);
    expect(userData.bootcmd[1]).toEqual(['echo', 'gke']);
    expect(userData.runcmd).toEqual([['sh', '/configure.sh']]);
    expect(items.find((i) => i.key === 'user-data')?.value?.startsWith('#cloud-config\n')).toBe(true);
  });

  it('and a single insert names its claim in metadata and labels from the start', () => {
    const one = instanceFor(claim(3), 'us-central1-a', template, {}, owner);
    expect(one.machineType).toBe('zones/us-central1-a/machineTypes/e2-standard-2');
    expect(one.metadata?.items?.find((i) => i.key === 'berth-claim')?.value).toBe('berth-uid-3-0');
    expect(one.metadata?.items?.some((i) => i.key === 'berth-awaits-claim')).toBe(false);
    expect(one.labels?.['berth-claim']).toBe('berth-uid-3-0');
  });
});

describe('listing batched VMs', () => {
  it('reports a VM still awaiting its claim with an empty claim id, and ignores VMs of no claim', () => {
    const awaiting = {
      name: 'berth-pod1-0',
      zone: 'zones/us-central1-a',
      status: 'RUNNING',
      labels: { 'berth-cluster': 'c1' },
      metadata: { items: [{ key: 'berth-awaits-claim', value: 'true' }] },
      creationTimestamp: '2026-11-30T23:00:00Z',
    };
    expect(instanceFromGce('p', awaiting)).toMatchObject({ claimId: '', nodeName: 'berth-pod1-0' });
    const written = { ...awaiting, metadata: { items: [{ key: 'berth-claim', value: 'berth-uid-1-0' }] } };
    expect(instanceFromGce('p', written)?.claimId).toBe('berth-uid-1-0');
    expect(instanceFromGce('p', { ...awaiting, metadata: { items: [] } })).toBeUndefined();
  });

  it('finds several names in one filter, in the regular-expression form the local server reads as Google does', () => {
    const filter = namesFilter(owner, ['berth-a-0', 'berth-b-0']);
    expect(filter).toBe(
      '(labels.berth-cluster eq "c1") (labels.berth-installation eq "berth") (name eq "berth-a-0|berth-b-0")',
    );
    expect(parseFilter(filter)).toEqual([
      ['labels.berth-cluster', 'c1', 'eq'],
      ['labels.berth-installation', 'berth', 'eq'],
      ['name', 'berth-a-0|berth-b-0', 'eq'],
    ]);
    expect(parseFilter('labels.a = "b" AND operationType = "x"')).toEqual([
      ['labels.a', 'b'],
      ['operationType', 'x'],
    ]);
  });
});

describe('a bulkInsert refused up front', () => {
  it('is a capacity error when Google says stockout or quota, and nothing else is', () => {
    const stockout = bulkRefusal(
      'o',
      new Error(
        "The zone 'projects/p/zones/us-central1-a' does not have enough resources available to fulfill the request.",
      ),
    );
    expect(stockout).toBeInstanceOf(CapacityError);
    expect(stockout?.reason).toBe('insufficient-capacity');
    expect(
      bulkRefusal('o', new Error("Quota 'CPUS' exceeded. Limit: 24.0 in region us-central1."))?.reason,
    ).toBe('quota');
    expect(bulkRefusal('o', Object.assign(new Error('x'), { reason: 'quotaExceeded' }))?.reason).toBe(
      'quota',
    );
    expect(bulkRefusal('o', new Error("Required 'compute.instances.create' permission"))).toBeUndefined();
  });
});

describe('--gcp-launch-batch-window', () => {
  it('takes milliseconds; 0 turns batching off; anything else names the flag', () => {
    expect(gcpBatchingFromFlags({})).toBeUndefined();
    expect(gcpBatchingFromFlags({ gcpLaunchBatchWindow: '250' })).toEqual({ windowMs: 250 });
    expect(gcpBatchingFromFlags({ gcpLaunchBatchWindow: '0' })).toBe(false);
    for (const bad of ['-1', 'soon', '1e3', '600000'])
      expect(() => gcpBatchingFromFlags({ gcpLaunchBatchWindow: bad })).toThrow(InputError);
    expect(() => gcpBatchingFromFlags({ gcpLaunchBatchWindow: 'x' })).toThrow(
      /--gcp-launch-batch-window|milliseconds/,
    );
  });
});
