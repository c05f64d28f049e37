import { createHash } from 'node:crypto';
import type { BlockDeviceMapping, RunInstancesCommandInput, TagSpecification } from '@aws-sdk/client-ec2';
import { type AwsProviderConfig, CapacityError, type Claim, type Offering } from '../../src/model/index.ts';
import { claimTags, type Ownership } from './tags.ts';

export interface SubnetChoice {
  zone: string;
  subnetId: string;
}

/**
 * Where an offering may launch: a zonal offering only in its zone's subnet; a
 * regional one in any configured subnet, in the order configured, so a
 * capacity error in one zone can be met by the next before the offering is
 * given up. Refused (unsupported) when no subnet serves the offering.
 */
export function subnetsFor(o: Offering, subnets: Readonly<Record<string, string>>): SubnetChoice[] {
  if (o.zone !== undefined) {
    const subnetId = subnets[o.zone];
    if (!subnetId) throw new CapacityError(o.id, 'unsupported', `no subnet is configured for zone ${o.zone}`);
    return [{ zone: o.zone, subnetId }];
  }
  return Object.entries(subnets).map(([zone, subnetId]) => ({ zone, subnetId }));
}

/**
 * RunInstances' idempotency token: the same claim in the same subnet always
 * sends the same token, so a retried call returns the first call's instance.
 * EC2 allows 64 ASCII characters; a hash keeps any claim id within that.
 */
export function clientToken(owner: Ownership, claimId: string, subnetId: string): string {
  return createHash('sha256').update(`${owner.cluster}\n${claimId}\n${subnetId}`).digest('hex');
}

type ImageSource = Pick<RunInstancesCommandInput, 'ImageId' | 'LaunchTemplate'>;

/** The image for an offering's architecture; unsupported when only AMIs are configured and none fits. */
export function imageFor(o: Offering, config: AwsProviderConfig): ImageSource {
  const ami = config.amiIds?.[o.arch];
  const lt = config.launchTemplate;
  const out: ImageSource = {};
  if (lt) {
    out.LaunchTemplate = {
      ...(lt.id ? { LaunchTemplateId: lt.id } : { LaunchTemplateName: lt.name }),
      Version: lt.version ?? '$Default',
    };
  }
  if (ami) out.ImageId = ami;
  else if (!lt) throw new CapacityError(o.id, 'unsupported', `no AMI is configured for ${o.arch}`);
  return out;
}

function tagSpecifications(claim: Claim, owner: Ownership): TagSpecification[] {
  const Tags = claimTags(claim, owner);
  const types = ['instance', 'volume', 'network-interface'] as const;
  const specs: TagSpecification[] = types.map((ResourceType) => ({ ResourceType, Tags }));
  if (claim.offering.capacityType === 'spot') specs.push({ ResourceType: 'spot-instances-request', Tags });
  return specs;
}

/**
 * The root volume of EKS AL2023 AMIs (and of the launch templates EKS makes),
 * so this mapping resizes the image's own root volume rather than adding one.
 */
export const ROOT_DEVICE_NAME = '/dev/xvda';

/**
 * The claim's root volume: gp3 of the size placement decided and priced,
 * encrypted, gone with the machine. Absent when the claim decides none (the
 * image's or template's own volume is used).
 */
export function rootVolumeMapping(claim: Claim): BlockDeviceMapping[] | undefined {
  if (!claim.node) return undefined;
  return [
    {
      DeviceName: ROOT_DEVICE_NAME,
      Ebs: {
        VolumeSize: claim.node.rootVolumeGiB,
        VolumeType: 'gp3',
        DeleteOnTermination: true,
        Encrypted: true,
      },
    },
  ];
}

/**
 * Burstable machines are priced (placement/burstable.ts) for the credit mode
 * each family launches in by default: unlimited for T3, T3a and T4g, whose
 * surplus credits are charged into the price. An account can change that
 * default, so the mode that was priced is asked for explicitly. T2 keeps its
 * standard mode: placement only chooses it within its baseline.
 */
export function creditSpecification(o: Offering): RunInstancesCommandInput['CreditSpecification'] {
  if (!o.burstable || o.family === 't2') return undefined;
  return { CpuCredits: 'unlimited' };
}

/** IMDSv2 only, hop limit 2 so containers can still reach it. */
export const METADATA_OPTIONS = {
  HttpTokens: 'required',
  HttpEndpoint: 'enabled',
  HttpPutResponseHopLimit: 2,
} as const;

/**
 * What a machine of the claim is, whichever call launches it: its network,
 * the root volume it was priced with, its credit mode and its role.
 */
export function machineSettings(claim: Claim, config: AwsProviderConfig) {
  const profile = config.instanceProfile;
  const blockDevices = rootVolumeMapping(claim);
  const credits = creditSpecification(claim.offering);
  return {
    SecurityGroupIds: [...config.securityGroupIds],
    ...(blockDevices ? { BlockDeviceMappings: blockDevices } : {}),
    ...(credits ? { CreditSpecification: credits } : {}),
    ...(profile
      ? { IamInstanceProfile: profile.startsWith('arn:') ? { Arn: profile } : { Name: profile } }
      : {}),
  };
}

/**
 * The one RunInstances call for a claim in one subnet: exactly one machine of
 * the offering's type, spot when the offering is spot (one-time, terminated
 * on interruption: berth replaces, never restarts), the root volume the
 * claim was priced with, every berth tag set in the same call, IMDSv2 only
 * (hop limit 2 so containers can still reach it), and the bootstrap user data.
 */
export function runInstancesInput(
  claim: Claim,
  config: AwsProviderConfig,
  owner: Ownership,
  subnet: SubnetChoice,
  userDataBase64: string,
): RunInstancesCommandInput {
  const o = claim.offering;
  return {
    MinCount: 1,
    MaxCount: 1,
    InstanceType: o.instanceType as RunInstancesCommandInput['InstanceType'],
    ...imageFor(o, config),
    SubnetId: subnet.subnetId,
    ...machineSettings(claim, config),
    ...(o.capacityType === 'spot'
      ? {
          InstanceMarketOptions: {
            MarketType: 'spot',
            SpotOptions: { SpotInstanceType: 'one-time', InstanceInterruptionBehavior: 'terminate' },
          },
        }
      : {}),
    ClientToken: clientToken(owner, claim.id, subnet.subnetId),
    TagSpecifications: tagSpecifications(claim, owner),
    MetadataOptions: { ...METADATA_OPTIONS },
    UserData: userDataBase64,
  };
}
