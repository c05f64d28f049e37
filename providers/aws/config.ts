import { type AwsProviderConfig, InputError } from '../../src/model/index.ts';

export const DEFAULT_SERVICE_CIDR = '10.100.0.0/16';

const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const CIDR = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/;
const where = (field: string) => ({ object: 'AWS provider config', field });

function url(value: string, field: string): void {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InputError(`expected a URL, got ${JSON.stringify(value)}`, where(field));
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new InputError(`expected an http(s) URL, got ${JSON.stringify(value)}`, where(field));
  }
}

function prefixed(value: string, prefix: string, field: string): void {
  if (!value.startsWith(prefix) || value.length <= prefix.length) {
    throw new InputError(
      `expected an id starting with ${prefix}, got ${JSON.stringify(value)}`,
      where(field),
    );
  }
}

/**
 * The config checked field by field before any call to AWS, with defaults
 * filled in. Each error names the field and what was expected.
 */
export function validateAwsConfig(c: AwsProviderConfig): AwsProviderConfig & { serviceCidr: string } {
  if (!REGION.test(c.region)) {
    throw new InputError(
      `expected a region such as us-east-1, got ${JSON.stringify(c.region)}`,
      where('region'),
    );
  }
  const zones = Object.entries(c.subnets);
  if (zones.length === 0) {
    throw new InputError(
      'expected at least one zone=subnet pair, e.g. us-east-1a=subnet-0abc',
      where('subnets'),
    );
  }
  for (const [zone, subnet] of zones) {
    if (!zone.startsWith(c.region) || zone.length === c.region.length) {
      throw new InputError(
        `zone ${JSON.stringify(zone)} is not a zone of region ${c.region}`,
        where('subnets'),
      );
    }
    prefixed(subnet, 'subnet-', `subnets.${zone}`);
  }
  if (c.securityGroupIds.length === 0) {
    throw new InputError('expected at least one security group id (sg-…)', where('securityGroupIds'));
  }
  for (const sg of c.securityGroupIds) prefixed(sg, 'sg-', 'securityGroupIds');
  const amis = Object.entries(c.amiIds ?? {});
  if (!c.launchTemplate && amis.length === 0) {
    throw new InputError('expected a launch template or an AMI id per architecture', where('launchTemplate'));
  }
  for (const [arch, ami] of amis) {
    if (arch !== 'amd64' && arch !== 'arm64') {
      throw new InputError(
        `expected architecture amd64 or arm64, got ${JSON.stringify(arch)}`,
        where('amiIds'),
      );
    }
    if (ami !== undefined) prefixed(ami, 'ami-', `amiIds.${arch}`);
  }
  if (c.launchTemplate) {
    const { id, name } = c.launchTemplate;
    if ((id === undefined) === (name === undefined)) {
      throw new InputError('expected exactly one of id (lt-…) or name', where('launchTemplate'));
    }
    if (id !== undefined) prefixed(id, 'lt-', 'launchTemplate.id');
  }
  if (c.instanceProfile !== undefined && c.instanceProfile.trim() === '') {
    throw new InputError('expected an instance profile name or ARN', where('instanceProfile'));
  }
  if (!c.clusterName) throw new InputError('expected the EKS cluster name', where('clusterName'));
  url(c.clusterEndpoint, 'clusterEndpoint');
  if (!/^[A-Za-z0-9+/=\s]+$/.test(c.clusterCertificateAuthority)) {
    throw new InputError('expected the cluster CA bundle as base64', where('clusterCertificateAuthority'));
  }
  const serviceCidr = c.serviceCidr ?? DEFAULT_SERVICE_CIDR;
  if (!CIDR.test(serviceCidr)) {
    throw new InputError(
      `expected a CIDR such as 10.100.0.0/16, got ${JSON.stringify(serviceCidr)}`,
      where('serviceCidr'),
    );
  }
  if (c.endpoint !== undefined) url(c.endpoint, 'endpoint');
  if (c.interruptionQueueUrl !== undefined) url(c.interruptionQueueUrl, 'interruptionQueueUrl');
  return { ...c, serviceCidr };
}
