import { createHash } from 'node:crypto';
import {
  CreateLaunchTemplateCommand,
  type EC2Client,
  type RequestLaunchTemplateData,
} from '@aws-sdk/client-ec2';
import { type AwsProviderConfig, awsErrorCode, type Claim, classifyAwsError } from '../../src/model/index.ts';
import { creditSpecification, imageFor, rootVolumeMapping } from './launch-request.ts';
import { type Ownership, ownershipTags } from './tags.ts';

/**
 * What a batch's machines share, as an EC2 launch template: the image, the
 * batch's user data, the root volume, IMDSv2 only, the network and the role,
 * the credit mode, and the ownership tags of the volumes and network
 * interfaces. A machine that powers itself off is terminated (the boot step
 * does so when it is never told its claim). Instance tags in IMDS stay off:
 * EC2 refuses them while a tag key has a `/`, as every berth tag does.
 */
export function launchTemplateData(
  claim: Claim,
  config: AwsProviderConfig,
  owner: Ownership,
  userDataBase64: string,
): RequestLaunchTemplateData {
  const o = claim.offering;
  const profile = config.instanceProfile;
  const blockDevices = rootVolumeMapping(claim);
  const credits = creditSpecification(o);
  const Tags = ownershipTags(owner);
  return {
    ImageId: imageFor(o, config).ImageId,
    UserData: userDataBase64,
    SecurityGroupIds: [...config.securityGroupIds],
    ...(blockDevices ? { BlockDeviceMappings: blockDevices } : {}),
    ...(credits ? { CreditSpecification: credits } : {}),
    ...(profile
      ? { IamInstanceProfile: profile.startsWith('arn:') ? { Arn: profile } : { Name: profile } }
      : {}),
    InstanceInitiatedShutdownBehavior: 'terminate',
    MetadataOptions: {
      HttpTokens: 'required',
      HttpEndpoint: 'enabled',
      HttpPutResponseHopLimit: 2,
      InstanceMetadataTags: 'disabled',
    },
    TagSpecifications: [
      { ResourceType: 'volume', Tags },
      { ResourceType: 'network-interface', Tags },
    ],
  };
}

/**
 * The template's name, from a hash of what it holds: the same launch
 * specification always names the same template, a different one never does,
 * so a template is created once and never changed. EC2 allows 128 characters.
 */
export function launchTemplateName(data: RequestLaunchTemplateData): string {
  return `berth-${createHash('sha256').update(JSON.stringify(data)).digest('hex').slice(0, 40)}`;
}

const ALREADY_EXISTS = 'InvalidLaunchTemplateName.AlreadyExistsException';

/**
 * Makes sure the named template exists, once per name and process: created
 * with the ownership tags, or, when it is already there (an earlier run, a
 * second replica), used as it is, since its name says what it holds.
 */
export function launchTemplates(ec2: EC2Client, owner: Ownership) {
  const known = new Map<string, Promise<void>>();
  async function create(name: string, data: RequestLaunchTemplateData, signal: AbortSignal): Promise<void> {
    try {
      await ec2.send(
        new CreateLaunchTemplateCommand({
          LaunchTemplateName: name,
          LaunchTemplateData: data,
          ClientToken: name.slice(0, 64),
          TagSpecifications: [{ ResourceType: 'launch-template', Tags: ownershipTags(owner) }],
        }),
        { abortSignal: signal },
      );
    } catch (err) {
      if (awsErrorCode(err) === ALREADY_EXISTS) return;
      throw classifyAwsError(err, 'ec2:CreateLaunchTemplate');
    }
  }
  return {
    ensure(name: string, data: RequestLaunchTemplateData, signal: AbortSignal): Promise<void> {
      let p = known.get(name);
      if (!p) {
        // A failure is not remembered: the next batch tries again.
        p = create(name, data, signal).catch((err: unknown) => {
          known.delete(name);
          throw err;
        });
        known.set(name, p);
      }
      return p;
    },
  };
}
