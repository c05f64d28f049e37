import { describe, expect, it } from 'vitest';
import {
  type CsrFacts,
  KUBELET_CLIENT_SIGNER,
  KUBELET_SERVING_SIGNER,
  kubeletCsrDecision,
} from '../../../src/controller/kubelet-csr.ts';
import { csrRequest as request, nodeSubject } from '../../fixtures/kubelet-csr.ts';

const ours = new Set(['berth-a-0']);

async function csr(over: Partial<CsrFacts> & { subject?: string } = {}): Promise<CsrFacts> {
  const { subject, ...rest } = over;
  return {
    name: 'csr-1',
    signerName: KUBELET_CLIENT_SIGNER,
    username: 'system:node:berth-a-0',
    request: await request(subject ?? nodeSubject('berth-a-0')),
    conditions: [],
    ...rest,
  };
}

describe('which kubelet CSRs berth approves', () => {
  it("approves a kubelet's client and serving requests for a live machine of its own", async () => {
    expect(kubeletCsrDecision(await csr(), ours)).toEqual({ approve: true, node: 'berth-a-0' });
    expect(kubeletCsrDecision(await csr({ signerName: KUBELET_SERVING_SIGNER }), ours)).toEqual({
      approve: true,
      node: 'berth-a-0',
    });
  });

  it('leaves alone other nodes, other signers, non-node subjects, decided and garbled requests', async () => {
    const no = async (c: Promise<CsrFacts>, reason: RegExp) =>
      expect(kubeletCsrDecision(await c, ours)).toMatchObject({
        approve: false,
        reason: expect.stringMatching(reason),
      });
    await no(csr({ subject: nodeSubject('someone-else') }), /someone-else is not a live machine/);
    await no(csr({ signerName: 'kubernetes.io/kube-apiserver-client' }), /not a kubelet's/);
    await no(csr({ subject: 'CN=system:node:berth-a-0' }), /not a node's/);
    await no(csr({ subject: 'CN=admin, O=system:nodes' }), /not a node's/);
    await no(csr({ conditions: ['Denied'] }), /already decided/);
    await no(csr({ request: Buffer.from('not a request').toString('base64') }), /unreadable request/);
    // A serving certificate only for the kubelet itself, not for whoever asks in its name.
    await no(csr({ signerName: KUBELET_SERVING_SIGNER, username: 'mallory' }), /requested by mallory/);
  });
});
