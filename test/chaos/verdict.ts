import type { Observations } from './recorder.ts';

/** What is left or known at the end of a scenario, besides what the watch saw. */
export interface EndState {
  /** Pods or Jobs still not finished after the bounded wait, each named. */
  unfinished?: string[];
  /** Nodes of the installation still there after the bounded wait. */
  nodesLeft: string[];
  /** Berths still holding berth's finalizer after their pods were deleted and the bounded wait. */
  berthsLeft: string[];
  jobs: { name: string; completions: number; succeeded: number; failed: number }[];
  /** AWS: machines per claim in the cloud, terminated ones included; local: from the Nodes seen. */
  machinesPerClaim?: Map<string, number>;
  /** AWS: machines not terminated after the bounded wait. */
  machinesLeft?: string[];
  /**
   * AWS: machines a batch launched and never tagged for a claim (a kill between
   * CreateFleet and the tags). Each must be gone by the end (machinesLeft).
   */
  strayMachines?: number;
}

export interface Figures {
  pods: number;
  bound: number;
  doubleBinds: number;
  machines: number;
  doubleLaunches: number;
  leakedNodes: number;
  leakedMachines: number;
  /** Machines launched for no claim and collected (AWS batches cut by a kill); none of them may be left. */
  strayMachines: number;
  stuckBerths: number;
  failedPods: number;
  failedJobs: number;
}

/** The checks every scenario makes; each problem names the object. Pure, so it is tested on its own. */
export function judge(seen: Observations, end: EndState): { figures: Figures; problems: string[] } {
  const problems: string[] = [];
  const nodeOwner = new Map<string, Set<string>>();
  for (const n of seen.nodes.values()) {
    if (!n.podUid) continue;
    const owners = nodeOwner.get(n.name) ?? new Set<string>();
    owners.add(n.podUid);
    nodeOwner.set(n.name, owners);
  }
  const podsOnNode = new Map<string, string[]>();
  let bound = 0;
  let doubleBinds = 0;
  let failedPods = 0;
  for (const [uid, p] of seen.pods) {
    const who = `pod ${p.namespace}/${p.name} (${uid})`;
    if (p.nodeNames.length === 0) problems.push(`${who} was never bound`);
    if (p.nodeNames.length > 1) {
      doubleBinds += 1;
      problems.push(`${who} was bound to ${p.nodeNames.join(', then ')}`);
    }
    if (p.nodeNames.length >= 1) bound += 1;
    for (const node of new Set(p.nodeNames)) {
      podsOnNode.set(node, [...(podsOnNode.get(node) ?? []), who]);
      const owners = nodeOwner.get(node);
      if (owners && (owners.size !== 1 || !owners.has(uid))) {
        problems.push(`${who} was bound to ${node}, a node launched for ${[...owners].join(', ')}`);
      }
    }
    if (p.phases.has('Failed')) {
      failedPods += 1;
      problems.push(`${who} failed`);
    } else if (!p.phases.has('Succeeded')) problems.push(`${who} never succeeded`);
  }
  for (const [node, pods] of podsOnNode) {
    if (pods.length > 1) problems.push(`node ${node} ran ${pods.length} pods: ${pods.join(', ')}`);
  }

  const perClaim = end.machinesPerClaim ?? countNodesPerClaim(seen);
  let doubleLaunches = 0;
  let machines = 0;
  for (const [claim, count] of perClaim) {
    machines += count;
    if (count > 1) {
      doubleLaunches += count - 1;
      problems.push(`claim ${claim} launched ${count} machines`);
    }
  }
  for (const u of end.unfinished ?? []) problems.push(`${u} after the bounded wait`);
  for (const n of end.nodesLeft) problems.push(`node ${n} was left behind`);
  for (const m of end.machinesLeft ?? []) problems.push(`machine ${m} was left running`);

  let stuck = 0;
  for (const [uid, b] of seen.berths) {
    const who = `Berth ${b.namespace}/${b.name} (${uid})`;
    if (!b.phases.has('Terminated')) {
      stuck += 1;
      problems.push(`${who} never reached Terminated (saw ${[...b.phases].join(', ') || 'no phase'})`);
    }
  }
  for (const b of end.berthsLeft)
    problems.push(`Berth ${b} still holds its finalizer after its pod was gone`);

  let failedJobs = 0;
  for (const j of end.jobs) {
    if (j.succeeded < j.completions || j.failed > 0) {
      failedJobs += 1;
      problems.push(`Job ${j.name}: ${j.succeeded}/${j.completions} succeeded, ${j.failed} failed`);
    }
  }
  return {
    figures: {
      pods: seen.pods.size,
      bound,
      doubleBinds,
      machines,
      doubleLaunches,
      leakedNodes: end.nodesLeft.length,
      leakedMachines: end.machinesLeft?.length ?? 0,
      strayMachines: end.strayMachines ?? 0,
      stuckBerths: stuck + end.berthsLeft.length,
      failedPods,
      failedJobs,
    },
    problems,
  };
}

/** Local provider: a machine is a Node, and a new Node uid under a claim is a new machine. */
function countNodesPerClaim(seen: Observations): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of seen.nodes.values()) {
    if (n.claimId) out.set(n.claimId, (out.get(n.claimId) ?? 0) + 1);
  }
  return out;
}
