import { describe, expect, it } from 'vitest';
import { ROOT_DEVICE_NAME, runInstancesInput } from '../../../../providers/aws/launch-request.ts';
import { nodeForInstance } from '../../../../providers/aws/registrar.ts';
import { nodeConfig, nodeRegistrationOf, userData } from '../../../../providers/aws/user-data.ts';
import type { Claim } from '../../../../src/model/index.ts';
import { claim, config, offering } from './fixtures.ts';

const owner = { cluster: 'prod', installation: 'berth' };
const subnet = { zone: 'us-east-1a', subnetId: 'subnet-0aaa' };
const cluster = {
  name: 'prod',
  apiServerEndpoint: 'https://ABC.gr7.us-east-1.eks.amazonaws.com',
  certificateAuthority: 'Q0EtREFUQQ==',
  cidr: '10.100.0.0/16',
};

/** A claim as placement decides it for a pod with 30Gi of scratch and one DaemonSet. */
function sized(): Claim {
  return { ...claim(), node: { rootVolumeGiB: 45, maxPods: 6 } };
}

describe('the AWS provider launches the node placement priced', () => {
  it("asks RunInstances for a gp3 root volume of the claim's size", () => {
    const input = runInstancesInput(sized(), config(), owner, subnet, 'VVNFUkRBVEE=');
    expect(input.BlockDeviceMappings).toEqual([
      {
        DeviceName: ROOT_DEVICE_NAME,
        Ebs: { VolumeSize: 45, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true },
      },
    ]);
  });

  it("leaves the image's own root volume alone when the claim decides none", () => {
    expect(
      runInstancesInput(claim(), config(), owner, subnet, 'VVNFUkRBVEE=').BlockDeviceMappings,
    ).toBeUndefined();
  });

  it("starts the kubelet with the claim's maxPods (nodeadm KubeletConfiguration)", () => {
    expect(nodeConfig(sized(), cluster).spec.kubelet.config).toEqual({ maxPods: 6 });
    expect(nodeConfig(claim(), cluster).spec.kubelet.config).toBeUndefined();
    const registration = nodeRegistrationOf(userData(sized(), cluster));
    expect(registration.maxPods).toBe(6);
    expect(nodeRegistrationOf(userData(claim(), cluster)).maxPods).toBeUndefined();
  });

  it('registers a Node (through the stand-in for the kubelet) that admits only maxPods pods', () => {
    const registration = nodeRegistrationOf(userData(sized(), cluster));
    const node = nodeForInstance({ InstanceId: 'i-1', Tags: [] }, registration, { cpu: '2', pods: '29' });
    expect(node.status?.capacity?.pods).toBe('6');
    expect(node.status?.allocatable?.pods).toBe('6');
  });

  it('launches T3/T3a/T4g in the unlimited credit mode they were priced in, T2 and others as they are', () => {
    const t3 = offering({ instanceType: 't3.small', family: 't3', burstable: true });
    const t2 = offering({ instanceType: 't2.small', family: 't2', burstable: true });
    const input = (o: typeof t3) => runInstancesInput(claim(o), config(), owner, subnet, 'VVNFUkRBVEE=');
    expect(input(t3).CreditSpecification).toEqual({ CpuCredits: 'unlimited' });
    expect(input(t2).CreditSpecification).toBeUndefined();
    expect(input(offering()).CreditSpecification).toBeUndefined();
  });
});
