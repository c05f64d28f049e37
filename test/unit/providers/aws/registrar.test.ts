import { describe, expect, it } from 'vitest';
import { capacityOfType, nodeForInstance } from '../../../../providers/aws/registrar.ts';
import { claimTags } from '../../../../providers/aws/tags.ts';
import { nodeRegistrationOf, userData } from '../../../../providers/aws/user-data.ts';
import { claim, POD_UID } from './fixtures.ts';

describe('the registrar (kubelet stand-in)', () => {
  it('reports capacity from the instance type, pods by the EKS ENI formula, NVIDIA GPUs as nvidia.com/gpu', () => {
    expect(
      capacityOfType({
        VCpuInfo: { DefaultVCpus: 4 },
        MemoryInfo: { SizeInMiB: 16384 },
        NetworkInfo: { MaximumNetworkInterfaces: 3, Ipv4AddressesPerInterface: 10 },
        GpuInfo: { Gpus: [{ Count: 1, Manufacturer: 'NVIDIA', Name: 'T4' }] },
      }),
    ).toEqual({
      cpu: '4',
      memory: '16384Mi',
      pods: '29',
      'ephemeral-storage': '20Gi',
      'nvidia.com/gpu': '1',
    });
    expect(capacityOfType({ VCpuInfo: { DefaultVCpus: 2 }, MemoryInfo: { SizeInMiB: 2048 } }).pods).toBe(
      '110',
    );
  });

  it('registers the Node under the tagged name with the user data labels, the taint and the provider id', () => {
    const c = claim();
    const cluster = {
      name: 'prod',
      apiServerEndpoint: 'https://x',
      certificateAuthority: 'Q0E=',
      cidr: '10.100.0.0/16',
    };
    const node = nodeForInstance(
      {
        InstanceId: 'i-0123456789abcdef0',
        Placement: { AvailabilityZone: 'us-east-1a' },
        Tags: claimTags(c, { cluster: 'prod', installation: 'berth' }),
      },
      nodeRegistrationOf(userData(c, cluster)),
      { cpu: '2', memory: '8192Mi' },
    );
    expect(node.metadata?.name).toBe(c.nodeName);
    expect(node.metadata?.labels).toMatchObject({ ...c.labels, 'kubernetes.io/hostname': c.nodeName });
    expect(node.metadata?.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
    expect(node.spec?.providerID).toBe('aws:///us-east-1a/i-0123456789abcdef0');
    expect(node.spec?.taints).toEqual([{ key: 'berth.dev/dedicated', value: POD_UID, effect: 'NoSchedule' }]);
    expect(node.status?.allocatable).toEqual({ cpu: '2', memory: '8192Mi' });
  });
});
