import type { Logger } from '../kube/log.ts';
import type { NodeProvider } from '../model/index.ts';
import { nodeNameFor } from './claim.ts';
import { isTerminal } from './next-step.ts';
import type { ClusterView, ClusterWriter } from './ports.ts';

export interface CollectorDeps {
  view: ClusterView;
  writer: ClusterWriter;
  provider: NodeProvider;
  log: Logger;
  /** Machines and Nodes younger than this are never collected: their Berth may not be in the cache yet. */
  graceMs: number;
}

/**
 * Machines and Nodes no live Berth claims are removed: leftovers of a
 * crash mid-launch, of a deleted Berth, or of an earlier attempt.
 */
export async function collectGarbage(d: CollectorDeps): Promise<void> {
  const liveClaims = new Set<string>();
  const liveNodes = new Set<string>();
  for (const b of d.view.berths()) {
    if (b.status?.phase === 'Terminated' || !b.metadata.uid) continue;
    const attempt = b.status?.attempts ?? 0;
    liveClaims.add(`${b.metadata.uid}-${attempt}`);
    liveNodes.add(nodeNameFor(b.spec.pod.uid, attempt));
    if (b.status?.nodeName) liveNodes.add(b.status.nodeName);
  }
  // Whatever the Berths say, a node a running pod is bound to is never taken from it.
  for (const p of d.view.pods()) {
    if (p.spec?.nodeName && !isTerminal(p)) liveNodes.add(p.spec.nodeName);
  }
  const oldEnough = (t: string | Date | undefined) =>
    t !== undefined && Date.now() - new Date(t).getTime() > d.graceMs;
  for (const instance of await d.provider.list()) {
    if (
      liveClaims.has(instance.claimId) ||
      liveNodes.has(instance.nodeName) ||
      !oldEnough(instance.launchedAt)
    ) {
      continue;
    }
    d.log.info({ instance: instance.id, node: instance.nodeName }, 'collecting an unclaimed machine');
    if (d.view.node(instance.nodeName)) await d.writer.deleteNode(instance.nodeName);
    await d.provider.terminate(instance.id);
  }
  for (const node of d.view.nodes()) {
    const name = node.metadata?.name ?? '';
    if (liveNodes.has(name) || !oldEnough(node.metadata?.creationTimestamp)) continue;
    d.log.info({ node: name }, 'collecting an unclaimed node');
    await d.writer.deleteNode(name);
  }
}
