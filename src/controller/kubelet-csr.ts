// @peculiar/x509 resolves its ASN.1 services through decorators that need this polyfill.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * Which kubelet certificate signing requests berth approves. A machine that
 * joins outside the cluster's own node pools (a GCP VM copied from a node
 * pool's template) has nobody else to approve its kubelet's CSRs; berth
 * approves them only for nodes it launched, never anyone else's. Pure.
 */

export const KUBELET_CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client-kubelet';
export const KUBELET_SERVING_SIGNER = 'kubernetes.io/kubelet-serving';
const NODE_PREFIX = 'system:node:';
const NODES_GROUP = 'system:nodes';

/** What a decision reads of a CSR (the fields of certificates.k8s.io/v1). */
export interface CsrFacts {
  name: string;
  signerName: string;
  /** Who created the CSR. */
  username?: string | undefined;
  /** The PEM request, base64-encoded as the API carries it. */
  request: string;
  /** Condition types already set (Approved, Denied, Failed). */
  conditions: readonly string[];
}

export type CsrDecision = { approve: true; node: string } | { approve: false; reason: string };

/** The subject's node name and groups, or why the request is not a node's. */
export function csrSubject(requestBase64: string): { cn: string; groups: string[] } | { problem: string } {
  try {
    const pem = Buffer.from(requestBase64, 'base64').toString('utf8');
    const req = new x509.Pkcs10CertificateRequest(pem);
    const name = new x509.Name(req.subject);
    return {
      cn: name.getField('CN')[0] ?? '',
      groups: name.getField('O'),
    };
  } catch (err) {
    return { problem: `unreadable request (${err instanceof Error ? err.message : String(err)})` };
  }
}

/** The node an undecided kubelet CSR is for, when it is well-formed; ownership is not checked here. */
export function kubeletCsrNode(csr: CsrFacts): { node: string } | { reason: string } {
  if (csr.signerName !== KUBELET_CLIENT_SIGNER && csr.signerName !== KUBELET_SERVING_SIGNER)
    return { reason: `signer ${csr.signerName} is not a kubelet's` };
  if (csr.conditions.some((c) => c === 'Approved' || c === 'Denied' || c === 'Failed'))
    return { reason: 'already decided' };
  const subject = csrSubject(csr.request);
  if ('problem' in subject) return { reason: subject.problem };
  if (!subject.cn.startsWith(NODE_PREFIX) || !subject.groups.includes(NODES_GROUP))
    return { reason: `subject CN=${subject.cn} is not a node's (system:node:<name>, O=system:nodes)` };
  // A serving certificate is asked for by the running kubelet itself, never on its behalf.
  if (csr.signerName === KUBELET_SERVING_SIGNER && csr.username !== subject.cn)
    return { reason: `serving certificate for ${subject.cn} requested by ${csr.username ?? 'nobody'}` };
  return { node: subject.cn.slice(NODE_PREFIX.length) };
}

/** Approve when the CSR is a kubelet's, for a node named like a live machine of ours; else say why not. */
export function kubeletCsrDecision(csr: CsrFacts, ourNodes: ReadonlySet<string>): CsrDecision {
  const candidate = kubeletCsrNode(csr);
  if ('reason' in candidate) return { approve: false, reason: candidate.reason };
  if (!ourNodes.has(candidate.node))
    return { approve: false, reason: `node ${candidate.node} is not a live machine berth launched` };
  return { approve: true, node: candidate.node };
}
