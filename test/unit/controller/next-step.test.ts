import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { nextStep } from '../../../src/controller/next-step.ts';
import { type BerthObject, type BerthPhase, FINALIZER } from '../../../src/model/index.ts';

function pod(over: { uid?: string; phase?: string; nodeName?: string; deleting?: boolean } = {}): V1Pod {
  return {
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: over.uid ?? 'uid-1',
      deletionTimestamp: over.deleting ? new Date() : undefined,
    },
    spec: { schedulerName: 'berth', nodeName: over.nodeName, containers: [] },
    status: { phase: over.phase ?? 'Pending' },
  };
}

function berth(
  over: {
    phase?: BerthPhase;
    podUid?: string;
    offering?: boolean;
    finalizer?: boolean;
    deleting?: boolean;
  } = {},
): BerthObject {
  return {
    apiVersion: 'berth.dev/v1alpha1',
    kind: 'Berth',
    metadata: {
      name: 'p',
      namespace: 'ns',
      uid: 'b-1',
      finalizers: over.finalizer === false ? [] : [FINALIZER],
      deletionTimestamp: over.deleting ? new Date().toISOString() : undefined,
    },
    spec: {
      pod: { name: 'p', namespace: 'ns', uid: over.podUid ?? 'uid-1' },
      policy: 'default',
      offering:
        over.offering === false
          ? undefined
          : {
              id: 'aws/us-east-1/*/m5.large/spot',
              cloud: 'aws',
              region: 'us-east-1',
              instanceType: 'm5.large',
              capacityType: 'spot',
              pricePerHour: 0.04,
              source: { kind: 'embedded', origin: 'test', estimated: true },
            },
      fallbacks: [],
      explanation: '',
    },
    status: over.phase ? { phase: over.phase } : undefined,
  };
}

describe('nextStep', () => {
  it('decides for a new unbound pod, and ignores pods that are bound, finished or going', () => {
    expect(nextStep({ pod: pod() }).kind).toBe('decide');
    expect(nextStep({ pod: pod({ nodeName: 'elsewhere' }) }).kind).toBe('nothing');
    expect(nextStep({ pod: pod({ phase: 'Succeeded' }) }).kind).toBe('nothing');
    expect(nextStep({ pod: pod({ deleting: true }) }).kind).toBe('nothing');
    expect(nextStep({}).kind).toBe('nothing');
  });

  it('launches until the node is Ready, then binds to it', () => {
    expect(nextStep({ pod: pod(), berth: berth() }).kind).toBe('launch');
    expect(nextStep({ pod: pod(), berth: berth({ phase: 'Launching' }) }).kind).toBe('launch');
    expect(nextStep({ pod: pod(), berth: berth({ phase: 'Launching' }), readyNode: 'n1' })).toEqual({
      kind: 'bind',
      nodeName: 'n1',
    });
  });

  it('after a restart between bind and status update, records the binding instead of launching again', () => {
    expect(nextStep({ pod: pod({ nodeName: 'n1' }), berth: berth({ phase: 'Launching' }) })).toEqual({
      kind: 'record-bound',
      nodeName: 'n1',
    });
    expect(
      nextStep({ pod: pod({ nodeName: 'n1', phase: 'Running' }), berth: berth({ phase: 'Bound' }) }).kind,
    ).toBe('nothing');
  });

  it('does not bind again when the Berth says Bound but the pod cache has not caught up', () => {
    expect(nextStep({ pod: pod(), berth: berth({ phase: 'Bound' }), readyNode: 'n1' }).kind).toBe('nothing');
  });

  it('for a pod a serverless platform runs: decides even once it runs, never launches, records where it runs', () => {
    expect(nextStep({ pod: pod({ nodeName: 'fargate-1' }), platform: true }).kind).toBe('decide');
    expect(nextStep({ pod: pod(), berth: berth(), platform: true }).kind).toBe('nothing');
    expect(nextStep({ pod: pod({ nodeName: 'fargate-1' }), berth: berth(), platform: true })).toEqual({
      kind: 'record-bound',
      nodeName: 'fargate-1',
    });
    expect(
      nextStep({
        pod: pod({ phase: 'Succeeded', nodeName: 'fargate-1' }),
        berth: berth({ phase: 'Bound' }),
        platform: true,
      }).kind,
    ).toBe('teardown');
  });

  it('decides again when nothing fitted before', () => {
    expect(nextStep({ pod: pod(), berth: berth({ offering: false, phase: 'Pending' }) }).kind).toBe(
      'redecide',
    );
  });

  it('tears down when the pod finishes, is deleted, or vanished mid-launch', () => {
    expect(
      nextStep({ pod: pod({ phase: 'Succeeded', nodeName: 'n1' }), berth: berth({ phase: 'Bound' }) }).kind,
    ).toBe('teardown');
    expect(
      nextStep({ pod: pod({ phase: 'Failed', nodeName: 'n1' }), berth: berth({ phase: 'Bound' }) }).kind,
    ).toBe('teardown');
    expect(nextStep({ berth: berth({ phase: 'Launching' }) }).kind).toBe('teardown');
    expect(nextStep({ pod: pod({ deleting: true }), berth: berth({ phase: 'Launching' }) }).kind).toBe(
      'teardown',
    );
    expect(nextStep({ berth: berth({ phase: 'Terminating' }) }).kind).toBe('teardown');
  });

  it('keeps a finished pod’s Berth (and its finalizer) until the pod is gone, then releases it', () => {
    expect(nextStep({ pod: pod({ phase: 'Succeeded' }), berth: berth({ phase: 'Terminated' }) }).kind).toBe(
      'nothing',
    );
    expect(nextStep({ berth: berth({ phase: 'Terminated' }) })).toEqual({
      kind: 'release',
      deleteBerth: false,
    });
    expect(nextStep({ berth: berth({ phase: 'Terminated', finalizer: false }) }).kind).toBe('nothing');
    expect(
      nextStep({ pod: pod({ phase: 'Succeeded' }), berth: berth({ phase: 'Terminated', deleting: true }) }),
    ).toEqual({ kind: 'release', deleteBerth: false });
  });

  it('treats a Berth of an older pod with the same name as stale: tear down, then delete it', () => {
    const newPod = pod({ uid: 'uid-2' });
    expect(nextStep({ pod: newPod, berth: berth({ phase: 'Bound' }) }).kind).toBe('teardown');
    expect(nextStep({ pod: newPod, berth: berth({ phase: 'Terminated' }) })).toEqual({
      kind: 'release',
      deleteBerth: true,
    });
  });

  it('decides a Failed Berth again while its pod waits, and frees it (never launched) once the pod goes', () => {
    const failed = berth({ offering: false, phase: 'Failed' });
    // The pod can't change, but a policy can: every retry of the key decides again.
    expect(nextStep({ pod: pod(), berth: failed }).kind).toBe('redecide');
    expect(nextStep({ berth: failed }).kind).toBe('teardown');
    expect(nextStep({ pod: pod({ deleting: true }), berth: failed }).kind).toBe('teardown');
    expect(nextStep({ pod: pod({ uid: 'uid-2' }), berth: failed }).kind).toBe('teardown');
    expect(nextStep({ berth: berth({ offering: false, phase: 'Terminated' }) })).toEqual({
      kind: 'release',
      deleteBerth: false,
    });
    expect(
      nextStep({ pod: pod({ uid: 'uid-2' }), berth: berth({ offering: false, phase: 'Terminated' }) }),
    ).toEqual({ kind: 'release', deleteBerth: true });
  });
});
