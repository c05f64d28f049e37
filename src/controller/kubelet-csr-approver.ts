import {
  CertificatesV1Api,
  type KubeConfig,
  type V1CertificateSigningRequest,
} from '@kubernetes/client-node';
import { describeError, isConflict, isNotFound } from '../kube/api-errors.ts';
import type { ResourceWatch } from '../kube/informer.ts';
import type { Logger } from '../kube/log.ts';
import { watchCertificateSigningRequests } from '../kube/watches.ts';
import type { NodeProvider } from '../model/index.ts';
import { type CsrFacts, kubeletCsrDecision, kubeletCsrNode } from './kubelet-csr.ts';

/**
 * Approves the kubelet CSRs of machines berth launched, for providers whose
 * machines join outside the cluster's node pools (NodeProvider.approvesKubeletCsrs).
 * Which machines are ours comes from the provider's list, so the approver
 * knows no cloud. Undecided requests are looked at again every `recheckMs`:
 * a kubelet may ask before the cloud lists its machine.
 */
export interface KubeletCsrApprover {
  stop(): Promise<void>;
}

const LIVE = new Set(['pending', 'running']);

function facts(csr: V1CertificateSigningRequest): CsrFacts {
  return {
    name: csr.metadata?.name ?? '',
    signerName: csr.spec.signerName,
    username: csr.spec.username,
    request: csr.spec.request,
    conditions: (csr.status?.conditions ?? []).map((c) => c.type),
  };
}

export function startKubeletCsrApprover(o: {
  kubeConfig: KubeConfig;
  provider: NodeProvider;
  log: Logger;
  recheckMs?: number;
}): KubeletCsrApprover {
  const api = o.kubeConfig.makeApiClient(CertificatesV1Api);
  const busy = new Set<string>();
  let stopped = false;

  const consider = async (csr: V1CertificateSigningRequest) => {
    const f = facts(csr);
    if (stopped || busy.has(f.name)) return;
    // Cheap checks first: the provider's list is a cloud call, made only for a kubelet's undecided request.
    if ('reason' in kubeletCsrNode(f)) return;
    busy.add(f.name);
    try {
      const ours = new Set((await o.provider.list()).filter((i) => LIVE.has(i.state)).map((i) => i.nodeName));
      const decision = kubeletCsrDecision(f, ours);
      if (!decision.approve) {
        o.log.debug({ csr: f.name, reason: decision.reason }, 'kubelet CSR left alone');
        return;
      }
      const body: V1CertificateSigningRequest = {
        ...csr,
        status: {
          ...csr.status,
          conditions: [
            ...(csr.status?.conditions ?? []),
            {
              type: 'Approved',
              status: 'True',
              reason: 'BerthLaunchedNode',
              message: `node ${decision.node} is a machine berth launched`,
              lastUpdateTime: new Date(),
            },
          ],
        },
      };
      await api.replaceCertificateSigningRequestApproval({ name: f.name, body });
      o.log.info({ csr: f.name, node: decision.node, signer: f.signerName }, 'kubelet CSR approved');
    } catch (err) {
      // A conflict or a deleted request: the watch brings the current one, or nothing is left to do.
      if (!isConflict(err) && !isNotFound(err))
        o.log.warn({ csr: f.name, err: describeError(err) }, 'could not approve a kubelet CSR');
    } finally {
      busy.delete(f.name);
    }
  };
  const run = (csr: V1CertificateSigningRequest) => void consider(csr);
  const watch: ResourceWatch<V1CertificateSigningRequest> = watchCertificateSigningRequests(
    o.kubeConfig,
    { onAdd: run, onUpdate: run },
    { logger: o.log },
  );
  const timer = setInterval(() => {
    for (const csr of watch.list()) run(csr);
  }, o.recheckMs ?? 10_000);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await watch.stop();
    },
  };
}
