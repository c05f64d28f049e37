import { describe, expect, it } from 'vitest';
import {
  awsConfigFromFlags,
  parseAmis,
  parseLaunchTemplate,
  parseSubnets,
} from '../../../src/cli/aws-flags.ts';
import { validateAwsConfig } from '../../../providers/aws/config.ts';

describe('berth run --aws-* flags', () => {
  it('reads zone=subnet pairs, AMIs per architecture and launch templates with versions', () => {
    expect(parseSubnets('us-east-1a=subnet-1, us-east-1b=subnet-2')).toEqual({
      'us-east-1a': 'subnet-1',
      'us-east-1b': 'subnet-2',
    });
    expect(parseAmis('ami-1')).toEqual({ amd64: 'ami-1' });
    expect(parseAmis('amd64=ami-1,arm64=ami-2')).toEqual({ amd64: 'ami-1', arm64: 'ami-2' });
    expect(parseAmis(undefined)).toBeUndefined();
    expect(parseLaunchTemplate('lt-0abc')).toEqual({ id: 'lt-0abc' });
    expect(parseLaunchTemplate('berth-nodes:$Latest')).toEqual({ name: 'berth-nodes', version: '$Latest' });
  });

  it('names the flag that is wrong', () => {
    expect(() => parseSubnets('us-east-1a')).toThrow(/--aws-subnets: expected zone=subnet, got "us-east-1a"/);
    expect(() => parseAmis('x86_64=ami-1')).toThrow(/--aws-ami: expected amd64=ami-… or arm64=ami-…/);
    expect(() => awsConfigFromFlags({}, { region: 'us-east-1' })).toThrow(/--aws-cluster-name/);
  });

  it('builds a config the provider accepts, taking the API server and CA from the kubeconfig by default', () => {
    const config = awsConfigFromFlags(
      {
        awsSubnets: 'us-east-1a=subnet-0aaa',
        awsSecurityGroups: 'sg-1,sg-2',
        awsAmi: 'amd64=ami-0aaa',
        awsInstanceProfile: 'berth-node',
        awsClusterName: 'prod',
        awsInterruptionQueue: 'https://sqs.us-east-1.amazonaws.com/123456789012/berth',
      },
      { region: 'us-east-1', kubeServer: 'https://api.example:6443', kubeCaData: 'Q0E=' },
    );
    expect(config).toEqual({
      region: 'us-east-1',
      amiIds: { amd64: 'ami-0aaa' },
      subnets: { 'us-east-1a': 'subnet-0aaa' },
      securityGroupIds: ['sg-1', 'sg-2'],
      instanceProfile: 'berth-node',
      clusterName: 'prod',
      clusterEndpoint: 'https://api.example:6443',
      clusterCertificateAuthority: 'Q0E=',
      interruptionQueueUrl: 'https://sqs.us-east-1.amazonaws.com/123456789012/berth',
    });
    expect(() => validateAwsConfig(config)).not.toThrow();
  });
});

describe('berth run --aws-launch-batch-window', () => {
  it('reads milliseconds, 0 as one call per claim, and names the flag when it is not a number of ms', async () => {
    const { parseBatchWindow } = await import('../../../src/cli/aws-flags.ts');
    expect(parseBatchWindow(undefined)).toBeUndefined();
    expect(parseBatchWindow('250')).toEqual({ windowMs: 250 });
    expect(parseBatchWindow('0')).toBe(false);
    expect(() => parseBatchWindow('fast')).toThrow(/--aws-launch-batch-window|milliseconds/);
    expect(() => parseBatchWindow('-5')).toThrow(/milliseconds/);
  });
});
