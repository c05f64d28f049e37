import { describe, expect, it } from 'vitest';
import type { Observations } from '../../chaos/recorder.ts';
import { type EndState, judge } from '../../chaos/verdict.ts';

const clean = (): Observations => ({
  pods: new Map([
    [
      'u1',
      {
        namespace: 'ns',
        name: 'a',
        nodeNames: ['n1'],
        phases: new Set(['Pending', 'Running', 'Succeeded']),
        firstSeen: 0,
        deleted: true,
      },
    ],
  ]),
  nodes: new Map([['node-uid-1', { name: 'n1', claimId: 'c1', podUid: 'u1', deleted: true }]]),
  berths: new Map([
    [
      'b1',
      {
        namespace: 'ns',
        name: 'a',
        podUid: 'u1',
        phases: new Set(['Launching', 'Bound', 'Terminated']),
        firstSeen: 0,
        deleted: true,
      },
    ],
  ]),
});
const end = (): EndState => ({ nodesLeft: [], berthsLeft: [], jobs: [] });

describe('chaos verdict', () => {
  it('passes a run where every pod was bound once to its own machine and everything went', () => {
    const { problems, figures } = judge(clean(), end());
    expect(problems).toEqual([]);
    expect(figures).toMatchObject({ pods: 1, bound: 1, machines: 1, doubleLaunches: 0, stuckBerths: 0 });
  });

  it('names a pod bound twice, a node bought for another pod, and a claim launched twice', () => {
    const seen = clean();
    seen.pods.get('u1')!.nodeNames.push('n2');
    seen.nodes.set('node-uid-2', { name: 'n2', claimId: 'c2', podUid: 'someone-else', deleted: true });
    seen.nodes.set('node-uid-3', { name: 'n1', claimId: 'c1', podUid: 'u1', deleted: true });
    const { problems, figures } = judge(seen, end());
    expect(figures.doubleBinds).toBe(1);
    expect(figures.doubleLaunches).toBe(1);
    expect(problems).toContain('pod ns/a (u1) was bound to n1, then n2');
    expect(problems).toContain('pod ns/a (u1) was bound to n2, a node launched for someone-else');
    expect(problems).toContain('claim c1 launched 2 machines');
  });

  it('names leaks, stuck Berths, failed pods and Jobs', () => {
    const seen = clean();
    seen.pods.get('u1')!.phases = new Set(['Running', 'Failed']);
    seen.berths.get('b1')!.phases = new Set(['Bound']);
    const { problems, figures } = judge(seen, {
      nodesLeft: ['n9'],
      berthsLeft: ['ns/x (Bound)'],
      jobs: [{ name: 'j', completions: 2, succeeded: 1, failed: 1 }],
      machinesPerClaim: new Map([['c1', 1]]),
      machinesLeft: ['i-1'],
    });
    expect(figures).toMatchObject({
      leakedNodes: 1,
      leakedMachines: 1,
      stuckBerths: 2,
      failedPods: 1,
      failedJobs: 1,
    });
    expect(problems).toEqual([
      'pod ns/a (u1) failed',
      'node n9 was left behind',
      'machine i-1 was left running',
      'Berth ns/a (b1) never reached Terminated (saw Bound)',
      'Berth ns/x (Bound) still holds its finalizer after its pod was gone',
      'Job j: 1/2 succeeded, 1 failed',
    ]);
  });
});
