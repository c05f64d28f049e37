import { describe, expect, it } from 'vitest';
import { type BatchOutcome, launchBatches } from '../../../providers/launch-batches.ts';
import { CapacityError, type Claim, type Instance } from '../../../src/model/index.ts';
import { testOffering } from '../../fixtures/offering.ts';

function claim(id: string, instanceType = 'm5.large'): Claim {
  return {
    id,
    nodeName: `berth-${id}`,
    pod: { namespace: 'ci', name: `pod-${id}`, uid: `uid-${id}` },
    offering: testOffering({ instanceType }),
    labels: {},
    taints: [],
  };
}

function machine(c: Claim): Instance {
  return {
    id: `i-${c.id}`,
    claimId: c.id,
    nodeName: c.nodeName,
    providerId: `test:///${c.id}`,
    offeringId: c.offering.id,
    state: 'pending',
    launchedAt: '2026-11-30T00:00:00Z',
  };
}

function recorder(
  answer: (claims: readonly Claim[]) => BatchOutcome = (cs) => new Map(cs.map((c) => [c.id, machine(c)])),
) {
  const calls: string[][] = [];
  const closing = new AbortController();
  const batches = launchBatches({
    keyOf: (c) => c.offering.id,
    launchMany: async (claims) => {
      calls.push(claims.map((c) => c.id));
      return answer(claims);
    },
    windowMs: 20,
    maxSize: 3,
    closing: closing.signal,
  });
  return { calls, batches, closing };
}

describe('launchBatches', () => {
  it('sends the claims of one specification that arrive within the window as one call, one machine each', async () => {
    const { calls, batches } = recorder();
    const signal = new AbortController().signal;
    const got = await Promise.all([batches.launch(claim('a'), signal), batches.launch(claim('b'), signal)]);
    expect(calls).toEqual([['a', 'b']]);
    expect(got.map((i) => i.claimId)).toEqual(['a', 'b']);
  });

  it('keeps different specifications apart and sends a full batch at once', async () => {
    const { calls, batches } = recorder();
    const signal = new AbortController().signal;
    await Promise.all([
      ...['a', 'b', 'c', 'd'].map((id) => batches.launch(claim(id), signal)),
      batches.launch(claim('x', 'c5.large'), signal),
    ]);
    expect(calls).toContainEqual(['a', 'b', 'c']);
    expect(calls).toContainEqual(['d']);
    expect(calls).toContainEqual(['x']);
    expect(calls).toHaveLength(3);
  });

  it('gives each claim its own answer: a machine, or the error the cloud gave for it', async () => {
    const { batches } = recorder(
      (cs) =>
        new Map<string, Instance | Error>(
          cs.map((c) => [
            c.id,
            c.id === 'b'
              ? new CapacityError(c.offering.id, 'insufficient-capacity', 'only one left')
              : machine(c),
          ]),
        ),
    );
    const signal = new AbortController().signal;
    const [a, b] = await Promise.allSettled([
      batches.launch(claim('a'), signal),
      batches.launch(claim('b'), signal),
    ]);
    expect(a.status === 'fulfilled' && a.value.id).toBe('i-a');
    expect(b.status === 'rejected' && b.reason).toBeInstanceOf(CapacityError);
  });

  it('rejects a claim the answer forgot, naming it', async () => {
    const { batches } = recorder(() => new Map());
    await expect(batches.launch(claim('a'), new AbortController().signal)).rejects.toThrow(/claim a/);
  });

  it('lets a waiter give up without cancelling the batch its claim is in', async () => {
    const { calls, batches } = recorder();
    const gaveUp = new AbortController();
    const first = batches.launch(claim('a'), gaveUp.signal);
    const second = batches.launch(claim('b'), new AbortController().signal);
    gaveUp.abort(new Error('pod deleted'));
    await expect(first).rejects.toThrow(/pod deleted/);
    await expect(second).resolves.toMatchObject({ claimId: 'b' });
    expect(calls).toEqual([['a', 'b']]);
  });

  it('refuses new launches once the provider is closing', async () => {
    const { batches, closing } = recorder();
    closing.abort(new Error('provider closed'));
    await expect(async () => batches.launch(claim('a'), new AbortController().signal)).rejects.toThrow(
      /closed/,
    );
  });
});
