import { describe, expect, it } from 'vitest';
import { CapacityError } from '../../../../src/model/index.ts';
import { clientToken, runInstancesInput, subnetsFor } from '../../../../providers/aws/launch-request.ts';
import { claimTags } from '../../../../providers/aws/tags.ts';
import { claim, config, offering, POD_UID } from './fixtures.ts';

const owner = { cluster: 'prod', installation: 'berth' };
const subnet = { zone: 'us-east-1a', subnetId: 'subnet-0aaa' };

describe('RunInstances for a claim', () => {
  it('asks for exactly one spot machine of the offering, one-time and terminated on interruption', () => {
    const input = runInstancesInput(claim(), config(), owner, subnet, 'VVNFUkRBVEE=');
    expect(input).toMatchObject({
      MinCount: 1,
      MaxCount: 1,
      InstanceType: 'm5.large',
      ImageId: 'ami-0amd64',
      SubnetId: 'subnet-0aaa',
      SecurityGroupIds: ['sg-0123'],
      IamInstanceProfile: { Name: 'berth-node' },
      InstanceMarketOptions: {
        MarketType: 'spot',
        SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
      },
      MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 2 },
      UserData: 'VVNFUkRBVEE=',
    });
  });

  it('buys on-demand without market options, and passes an instance profile ARN as an ARN', () => {
    const arn = 'arn:aws:iam::123456789012:instance-profile/berth-node';
    const input = runInstancesInput(
      claim(offering({ capacityType: 'on-demand', arch: 'arm64', instanceType: 'm7g.large' })),
      config({ instanceProfile: arn }),
      owner,
      subnet,
      '',
    );
    expect(input.InstanceMarketOptions).toBeUndefined();
    expect(input.IamInstanceProfile).toEqual({ Arn: arn });
    expect(input.ImageId).toBe('ami-0arm64');
  });

  it('tags the instance, its volumes and interfaces with every berth tag in the launch call itself', () => {
    const c = claim();
    const input = runInstancesInput(c, config(), owner, subnet, '');
    const types = input.TagSpecifications?.map((t) => t.ResourceType);
    expect(types).toEqual(['instance', 'volume', 'network-interface', 'spot-instances-request']);
    const tags = Object.fromEntries((input.TagSpecifications?.[0]?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags).toEqual({
      'berth.dev/cluster': 'prod',
      'berth.dev/installation': 'berth',
      'berth.dev/claim-id': c.id,
      'berth.dev/node-name': c.nodeName,
      'berth.dev/pod': 'ci/build-1',
      'berth.dev/pod-uid': POD_UID,
      'berth.dev/offering-id': c.offering.id,
      Name: c.nodeName,
    });
  });

  it('derives the client token from the claim: stable, at most 64 ASCII characters, distinct per claim', () => {
    const a = clientToken(owner, claim().id, 'subnet-0aaa');
    expect(a).toBe(clientToken(owner, claim().id, 'subnet-0aaa'));
    expect(a).toMatch(/^[\x21-\x7e]{1,64}$/);
    expect(clientToken(owner, claim(offering(), 1).id, 'subnet-0aaa')).not.toBe(a);
    expect(clientToken({ ...owner, cluster: 'other' }, claim().id, 'subnet-0aaa')).not.toBe(a);
    expect(runInstancesInput(claim(), config(), owner, subnet, '').ClientToken).toBe(a);
  });

  it('uses the launch template, with the AMI overriding its image only when one is given', () => {
    const lt = config({ amiIds: undefined, launchTemplate: { name: 'berth-nodes' } });
    const input = runInstancesInput(claim(), lt, owner, subnet, '');
    expect(input.LaunchTemplate).toEqual({ LaunchTemplateName: 'berth-nodes', Version: '$Default' });
    expect(input.ImageId).toBeUndefined();
    const both = config({ launchTemplate: { id: 'lt-0123', version: '4' } });
    expect(runInstancesInput(claim(), both, owner, subnet, '')).toMatchObject({
      LaunchTemplate: { LaunchTemplateId: 'lt-0123', Version: '4' },
      ImageId: 'ami-0amd64',
    });
  });

  it('refuses an architecture with no AMI as unsupported, so the controller tries another offering', () => {
    const c = claim(offering({ arch: 'arm64', instanceType: 'm7g.large' }));
    expect(() =>
      runInstancesInput(c, config({ amiIds: { amd64: 'ami-0amd64' } }), owner, subnet, ''),
    ).toThrow(CapacityError);
  });
});

describe('subnets for an offering', () => {
  const subnets = { 'us-east-1a': 'subnet-0aaa', 'us-east-1b': 'subnet-0bbb' };

  it('puts a zonal offering in its zone and a regional one in every zone, in the order configured', () => {
    expect(subnetsFor(offering({ zone: 'us-east-1b' }), subnets)).toEqual([
      { zone: 'us-east-1b', subnetId: 'subnet-0bbb' },
    ]);
    expect(subnetsFor(offering(), subnets).map((s) => s.zone)).toEqual(['us-east-1a', 'us-east-1b']);
  });

  it('refuses a zone with no subnet as unsupported', () => {
    expect(() => subnetsFor(offering({ zone: 'us-east-1f' }), subnets)).toThrow(
      /no subnet is configured for zone us-east-1f/,
    );
  });
});

describe('tags', () => {
  it('cut values to the 256 characters EC2 allows', () => {
    const c = claim();
    const long = { ...c, pod: { ...c.pod, name: 'x'.repeat(300) } };
    const pod = claimTags(long, owner).find((t) => t.Key === 'berth.dev/pod');
    expect(pod?.Value).toHaveLength(256);
  });
});
