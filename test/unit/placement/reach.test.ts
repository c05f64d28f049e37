import { describe, expect, it } from 'vitest';
import { InputError, type Reach } from '../../../src/model/index.ts';
import { loadPreset } from '../../../policies/presets.ts';
import { PlacementEngine } from '../../../src/placement/engine.ts';
import { outOfReach, withinReach } from '../../../src/placement/reach.ts';
import { awsReach } from '../../../providers/aws/provider.ts';
import { localReach } from '../../../providers/local/provider.ts';
import { testOffering } from '../../fixtures/offering.ts';

const fargate = testOffering({
  instanceType: 'fargate-amd64',
  family: 'fargate',
  capacityType: 'serverless',
});

const awsConfig = {
  region: 'us-east-1',
  subnets: { 'us-east-1a': 'subnet-a', 'us-east-1b': 'subnet-b' },
  securityGroupIds: ['sg-1'],
  amiIds: { arm64: 'ami-arm' },
  clusterName: 'prod',
  clusterEndpoint: 'https://example.invalid',
  clusterCertificateAuthority: 'Q0E=',
};

describe('a provider reach', () => {
  it('names why an offering is out of reach', () => {
    const reach: Reach = {
      cloud: 'aws',
      regions: ['us-east-1'],
      zones: ['us-east-1a'],
      capacityTypes: ['on-demand', 'spot'],
      serverless: [],
      archs: ['amd64'],
      cannotHost: [],
    };
    expect(outOfReach(testOffering(), reach)).toBeUndefined();
    expect(outOfReach(testOffering({ cloud: 'gcp' }), reach)).toBe('cloud');
    expect(outOfReach(testOffering({ region: 'eu-west-1' }), reach)).toBe('region');
    expect(outOfReach(testOffering({ zone: 'us-east-1c' }), reach)).toBe('zone');
    expect(outOfReach(testOffering({ zone: 'us-east-1a' }), reach)).toBeUndefined();
    expect(outOfReach(fargate, reach)).toBe('capacity type');
    expect(outOfReach(fargate, { ...reach, capacityTypes: ['serverless'] })).toBe('serverless platform');
    expect(outOfReach(testOffering({ arch: 'arm64' }), reach)).toBe('architecture');
  });

  it('keeps what is inside and counts the rest by reason', () => {
    const r = withinReach(
      [testOffering(), fargate, testOffering({ region: 'eu-west-1' })],
      localReach('aws', 'us-east-1'),
    );
    expect(r.offerings.map((o) => o.id)).toEqual([testOffering().id, fargate.id]);
    expect(r.leftOut).toEqual([
      { reason: 'region', count: 1, examples: [testOffering({ region: 'eu-west-1' }).id] },
    ]);
  });

  it('the AWS provider launches no Fargate, only in zones it has subnets in, only archs it has images for', () => {
    const reach = awsReach(awsConfig);
    expect(outOfReach(fargate, reach)).toBe('serverless platform');
    expect(outOfReach(testOffering({ zone: 'us-east-1c', arch: 'arm64' }), reach)).toBe('zone');
    expect(outOfReach(testOffering({ zone: 'us-east-1b', arch: 'arm64' }), reach)).toBeUndefined();
    expect(outOfReach(testOffering({ arch: 'amd64' }), reach)).toBe('architecture');
    expect(awsReach({ ...awsConfig, launchTemplate: { id: 'lt-1' } }).archs).toEqual(['amd64', 'arm64']);
  });

  it('a pod asking for what the provider cannot host is an input error naming the field', () => {
    const pod = {
      metadata: { name: 'dind', namespace: 'ci' },
      spec: { containers: [{ name: 'docker', securityContext: { privileged: true } }] },
    };
    const offerings = [testOffering({ capacityType: 'on-demand' })];
    const strict = new PlacementEngine(offerings, ['privileged']);
    expect(() => strict.decide(pod, loadPreset('default'), [], new Set())).toThrow(InputError);
    expect(() => strict.decide(pod, loadPreset('default'), [], new Set())).toThrow(
      /Pod ci\/dind: spec\.containers\[0\]\.securityContext\.privileged: privileged containers are not supported by the provider/,
    );
    const open = new PlacementEngine(offerings, []);
    expect(open.decide(pod, loadPreset('default'), [], new Set()).chosen?.offering.id).toBe(offerings[0]!.id);
  });
});
