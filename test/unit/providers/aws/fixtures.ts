import type { AwsProviderConfig, Claim, Offering } from '../../../../src/model/index.ts';
import { claimFor } from '../../../../src/controller/claim.ts';
import { testOffering } from '../../../fixtures/offering.ts';

export function offering(overrides: Partial<Offering> = {}): Offering {
  return testOffering(overrides);
}

export const POD_UID = '6f1c2d3e-4b5a-4c6d-8e7f-001122334455';

/** A claim exactly as the controller makes one. */
export function claim(o: Offering = offering(), attempt = 0): Claim {
  return claimFor(
    {
      apiVersion: 'berth.dev/v1alpha1',
      kind: 'Berth',
      metadata: { name: 'build-1', namespace: 'ci', uid: 'b0b0b0b0-1111-2222-3333-444455556666' },
      spec: {
        pod: { name: 'build-1', namespace: 'ci', uid: POD_UID },
        policy: 'default',
        fallbacks: [],
        explanation: '',
      },
    },
    o,
    attempt,
    'berth',
  );
}

export function config(overrides: Partial<AwsProviderConfig> = {}): AwsProviderConfig {
  return {
    region: 'us-east-1',
    amiIds: { amd64: 'ami-0amd64', arm64: 'ami-0arm64' },
    subnets: { 'us-east-1a': 'subnet-0aaa', 'us-east-1b': 'subnet-0bbb' },
    securityGroupIds: ['sg-0123'],
    instanceProfile: 'berth-node',
    clusterName: 'prod',
    clusterEndpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
    clusterCertificateAuthority: Buffer.from('-----BEGIN CERTIFICATE-----').toString('base64'),
    ...overrides,
  };
}
