import type { TestProject } from 'vitest/node';
import { type ClusterState, startCluster, stopCluster } from '../../src/local-cluster/cluster.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
  }
}

let cluster: ClusterState | undefined;

/**
 * One real control plane for all integration tests. It is owned by this
 * process: if the test run is killed, a guardian stops it by recorded PID.
 */
export async function setup(project: TestProject): Promise<void> {
  cluster = await startCluster({
    name: `test-${process.pid}`,
    ownedByThisProcess: true,
    progress: (m) => process.stderr.write(`[control plane] ${m}\n`),
    readyTimeoutMs: 120_000,
  });
  project.provide('kubeconfig', cluster.kubeconfig);
}

export async function teardown(): Promise<void> {
  if (cluster) await stopCluster(cluster);
}
