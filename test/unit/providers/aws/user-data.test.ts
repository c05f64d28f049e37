import { describe, expect, it } from 'vitest';
import {
  LABEL_CAPACITY_TYPE,
  LABEL_INSTANCE_TYPE,
  LABEL_POD_UID,
  TAINT_DEDICATED,
} from '../../../../src/model/index.ts';
import { kubeletFlags, nodeRegistrationOf, userData } from '../../../../providers/aws/user-data.ts';
import { claim, POD_UID } from './fixtures.ts';

const cluster = {
  name: 'prod',
  apiServerEndpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
  certificateAuthority: 'Q0EtREFUQQ==',
  cidr: '10.100.0.0/16',
};

function decoded(): string {
  return Buffer.from(userData(claim(), cluster), 'base64').toString('utf8');
}

describe('aws user data for nodeadm (AL2023)', () => {
  it('is a MIME multi-part document whose one part is a NodeConfig with the cluster coordinates', () => {
    const text = decoded();
    expect(text.startsWith('MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="')).toBe(true);
    const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
    expect(boundary).toBeTruthy();
    expect(text.trimEnd().endsWith(`--${boundary}--`)).toBe(true);
    const part = text.split(`--${boundary}`)[1] ?? '';
    expect(part).toContain('Content-Type: application/node.eks.aws');
    const config = JSON.parse(part.replace(/^\s*Content-Type:[^\n]*\n/, ''));
    expect(config.apiVersion).toBe('node.eks.aws/v1alpha1');
    expect(config.kind).toBe('NodeConfig');
    expect(config.spec.cluster).toEqual(cluster);
  });

  it('registers the dedicated taint and the claim labels when the kubelet first starts', () => {
    const flags = kubeletFlags(claim());
    expect(flags).toContain(`--register-with-taints=${TAINT_DEDICATED}=${POD_UID}:NoSchedule`);
    const labels = flags.find((f) => f.startsWith('--node-labels='));
    expect(labels).toContain(`${LABEL_POD_UID}=${POD_UID}`);
    expect(labels).toContain(`${LABEL_INSTANCE_TYPE}=m5.large`);
    expect(labels).toContain(`${LABEL_CAPACITY_TYPE}=spot`);
    // Sorted, so the same claim always yields byte-identical user data.
    expect(userData(claim(), cluster)).toBe(userData(claim(), cluster));
  });

  it('reads back to exactly the labels and taints of the claim (what the registrar relies on)', () => {
    const c = claim();
    const reg = nodeRegistrationOf(userData(c, cluster));
    expect(reg.labels).toEqual(c.labels);
    expect(reg.taints).toEqual([{ key: TAINT_DEDICATED, value: POD_UID, effect: 'NoSchedule' }]);
    expect(reg.cluster).toEqual(cluster);
  });

  it('refuses a label value the kubelet could not register, naming the claim and the label', () => {
    const c = { ...claim(), labels: { team: 'a,b' } };
    expect(() => userData(c, cluster)).toThrow(/claim .*: label team has value "a,b"/);
  });

  it("says what is wrong with user data that is not berth's", () => {
    expect(() => nodeRegistrationOf(Buffer.from('#!/bin/bash\necho hi').toString('base64'))).toThrow(
      /not a MIME multi-part/,
    );
  });
});
