import { describe, expect, it } from 'vitest';
import { InputError } from '../../../../src/model/index.ts';
import { DEFAULT_SERVICE_CIDR, validateAwsConfig } from '../../../../providers/aws/config.ts';
import { config } from './fixtures.ts';

describe('AWS provider config', () => {
  it('accepts a complete config and fills in the service CIDR', () => {
    expect(validateAwsConfig(config()).serviceCidr).toBe(DEFAULT_SERVICE_CIDR);
  });

  it.each([
    [{ region: 'useast1' }, /region: expected a region/],
    [{ subnets: {} }, /subnets: expected at least one zone=subnet/],
    [{ subnets: { 'eu-west-1a': 'subnet-0aaa' } }, /zone "eu-west-1a" is not a zone of region us-east-1/],
    [{ subnets: { 'us-east-1a': 'sn-1' } }, /subnets.us-east-1a: expected an id starting with subnet-/],
    [{ securityGroupIds: [] }, /securityGroupIds: expected at least one/],
    [{ amiIds: undefined }, /launchTemplate: expected a launch template or an AMI id/],
    [{ amiIds: { amd64: 'img-1' } }, /amiIds.amd64: expected an id starting with ami-/],
    [{ launchTemplate: { id: 'lt-1', name: 'x' } }, /launchTemplate: expected exactly one of id/],
    [{ clusterName: '' }, /clusterName: expected the EKS cluster name/],
    [{ clusterEndpoint: 'not a url' }, /clusterEndpoint: expected a URL/],
    [
      { clusterCertificateAuthority: '-----BEGIN' },
      /clusterCertificateAuthority: expected the cluster CA bundle as base64/,
    ],
    [{ serviceCidr: '10.100.0.0' }, /serviceCidr: expected a CIDR/],
    [{ interruptionQueueUrl: 'queue' }, /interruptionQueueUrl: expected a URL/],
  ])('rejects %j naming the field', (over, message) => {
    let err: unknown;
    try {
      validateAwsConfig(config(over));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect(String((err as Error).message)).toMatch(message);
    expect((err as Error).message).toMatch(/^AWS provider config: /);
  });
});
