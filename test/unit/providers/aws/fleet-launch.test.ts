import { describe, expect, it } from 'vitest';
import { batchNodeConfigOf, batchUserData } from '../../../../providers/aws/batch-boot.ts';
import { batchToken, createFleetInput, shortfallError } from '../../../../providers/aws/fleet-launch.ts';
import { launchTemplateData, launchTemplateName } from '../../../../providers/aws/launch-template.ts';
import { instanceFromEc2, ownershipTags, TAG_BATCH } from '../../../../providers/aws/tags.ts';
import { nodeRegistrationFromJson, userDataText } from '../../../../providers/aws/user-data.ts';
import { CapacityError } from '../../../../src/model/index.ts';
import { claim, config, offering, POD_UID } from './fixtures.ts';

const owner = { cluster: 'prod', installation: 'berth' };
const cluster = {
  name: 'prod',
  apiServerEndpoint: 'https://x',
  certificateAuthority: 'Q0E=',
  cidr: '10.100.0.0/16',
};
const subnet = { zone: 'us-east-1a', subnetId: 'subnet-1' };

describe('batched EC2 launches', () => {
  it('asks one instant fleet for one machine per claim, spot or on-demand, with one token per batch', () => {
    const spot = createFleetInput([claim(), claim(offering(), 1)], 'berth-lt', owner, subnet);
    expect(spot).toMatchObject({
      Type: 'instant',
      TargetCapacitySpecification: { TotalTargetCapacity: 2, DefaultTargetCapacityType: 'spot' },
      LaunchTemplateConfigs: [
        {
          LaunchTemplateSpecification: { LaunchTemplateName: 'berth-lt' },
          Overrides: [{ InstanceType: 'm5.large', SubnetId: 'subnet-1' }],
        },
      ],
    });
    expect(spot.TagSpecifications?.[0]?.Tags).toContainEqual({
      Key: TAG_BATCH,
      Value: spot.ClientToken?.slice(0, 32),
    });
    const onDemand = createFleetInput([claim(offering({ capacityType: 'on-demand' }))], 'lt', owner, subnet);
    expect(onDemand.TargetCapacitySpecification?.DefaultTargetCapacityType).toBe('on-demand');
    expect(batchToken(owner, ['b', 'a'], 'subnet-1')).toBe(batchToken(owner, ['a', 'b'], 'subnet-1'));
    expect(batchToken(owner, ['a', 'b'], 'subnet-2')).not.toBe(batchToken(owner, ['a', 'b'], 'subnet-1'));
  });

  it('names a launch template after what it holds: the same specification the same name, another a new one', () => {
    const data = (c = claim()) => launchTemplateData(c, config(), owner, batchUserData(c, cluster));
    expect(launchTemplateName(data())).toBe(launchTemplateName(data()));
    expect(launchTemplateName(data(claim(offering({ instanceType: 'm5.xlarge' }))))).toMatch(
      /^berth-[0-9a-f]{40}$/,
    );
    expect(data().MetadataOptions).toMatchObject({ HttpTokens: 'required', HttpPutResponseHopLimit: 2 });
    expect(data().TagSpecifications?.map((t) => t.ResourceType)).toEqual(['volume', 'network-interface']);
    expect(data().TagSpecifications?.[0]?.Tags).toEqual(ownershipTags(owner));
  });

  it('shares a user data that names no pod, and the boot step writes the tagged pod uid into the taint and label', () => {
    const text = userDataText(batchUserData(claim(), cluster));
    expect(text).not.toContain(POD_UID);
    expect(text).toContain('nodeadm init');
    const registration = nodeRegistrationFromJson(batchNodeConfigOf(text, POD_UID) ?? '');
    expect(registration.taints).toEqual([
      { key: 'berth.dev/dedicated', value: POD_UID, effect: 'NoSchedule' },
    ]);
    expect(registration.labels['berth.dev/pod-uid']).toBe(POD_UID);
    expect(() => batchNodeConfigOf(text, 'not a uid; rm -rf /')).toThrow(/pod uid/);
  });

  it('gives the claims a fleet left without a machine the error it answered, a capacity error by default', () => {
    const e = shortfallError(
      { Errors: [{ ErrorCode: 'InsufficientInstanceCapacity', ErrorMessage: 'none' }] },
      'o',
      3,
      1,
    );
    expect(e).toBeInstanceOf(CapacityError);
    expect(shortfallError({}, 'o', 3, 1)).toMatchObject({ reason: 'insufficient-capacity' });
  });

  it('lists a batch machine not yet tagged for its claim with no claim, and ignores machines without berth tags', () => {
    const stray = instanceFromEc2({
      InstanceId: 'i-0123456789abcdef0',
      Tags: [{ Key: TAG_BATCH, Value: 'x' }],
    });
    expect(stray).toMatchObject({ claimId: '', nodeName: '' });
    expect(instanceFromEc2({ InstanceId: 'i-0123456789abcdef0', Tags: [] })).toBeUndefined();
  });
});
