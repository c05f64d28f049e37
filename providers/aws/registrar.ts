import {
  DescribeInstanceAttributeCommand,
  DescribeInstanceTypesCommand,
  type EC2Client,
  type Instance as Ec2Instance,
  type InstanceTypeInfo,
  type _InstanceType,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import type { V1Node } from '@kubernetes/client-node';
import { ANNOTATION_CLAIM_ID, ANNOTATION_KWOK_NODE, ANNOTATION_OFFERING_ID } from '../../src/model/index.ts';
import {
  providerIdOf,
  TAG_CLAIM_ID,
  TAG_CLUSTER,
  TAG_NODE_NAME,
  TAG_OFFERING_ID,
  TAG_POD_UID,
  tagMap,
} from './tags.ts';
import type { MachineSource, SimulatedMachine } from '../sandbox/registrar.ts';
import { batchNodeConfigOf } from './batch-boot.ts';
import {
  type NodeRegistration,
  nodeRegistrationFromJson,
  nodeRegistrationOf,
  userDataText,
} from './user-data.ts';

/** Kubernetes quantities a kubelet on this instance type reports as capacity. */
export function capacityOfType(info: InstanceTypeInfo): Record<string, string> {
  const vcpus = info.VCpuInfo?.DefaultVCpus ?? 0;
  const memoryMiB = info.MemoryInfo?.SizeInMiB ?? 0;
  const enis = info.NetworkInfo?.MaximumNetworkInterfaces ?? 0;
  const ips = info.NetworkInfo?.Ipv4AddressesPerInterface ?? 0;
  // The EKS AMI's max-pods formula without prefix delegation: ENIs x (IPs per ENI - 1) + 2.
  const pods = enis > 0 && ips > 1 ? enis * (ips - 1) + 2 : 110;
  const capacity: Record<string, string> = {
    cpu: String(vcpus),
    memory: `${memoryMiB}Mi`,
    pods: String(pods),
    'ephemeral-storage': '20Gi',
  };
  const nvidia = (info.GpuInfo?.Gpus ?? [])
    .filter((g) => g.Manufacturer?.toUpperCase() === 'NVIDIA')
    .reduce((n, g) => n + (g.Count ?? 0), 0);
  if (nvidia > 0) capacity['nvidia.com/gpu'] = String(nvidia);
  return capacity;
}

/** The Node a kubelet started from this instance's user data would register. */
export function nodeForInstance(
  i: Ec2Instance,
  registration: NodeRegistration,
  capacity: Record<string, string>,
): V1Node {
  const tags = tagMap(i.Tags);
  const name = tags[TAG_NODE_NAME] ?? '';
  // The kubelet admits no more pods than the maxPods its NodeConfig gives it.
  const status =
    registration.maxPods === undefined ? capacity : { ...capacity, pods: String(registration.maxPods) };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, ...registration.labels },
      annotations: {
        [ANNOTATION_KWOK_NODE]: 'fake',
        [ANNOTATION_CLAIM_ID]: tags[TAG_CLAIM_ID] ?? '',
        [ANNOTATION_OFFERING_ID]: tags[TAG_OFFERING_ID] ?? '',
      },
    },
    spec: {
      providerID: providerIdOf(i.Placement?.AvailabilityZone ?? '', i.InstanceId ?? ''),
      taints: registration.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
    },
    status: { capacity: status, allocatable: { ...status } },
  };
}

/**
 * What the machine's boot hands its kubelet: its own NodeConfig, or for a
 * batch machine the batch's, with the pod uid its claim tags name. The
 * registrar only gets here once the machine names its node (the claim tags
 * come in one call), as the boot step waits for them.
 */
function registrationOf(data: string, i: Ec2Instance): NodeRegistration {
  const text = userDataText(data);
  const batch = batchNodeConfigOf(text, tagMap(i.Tags)[TAG_POD_UID] ?? '');
  return batch === undefined ? nodeRegistrationOf(text) : nodeRegistrationFromJson(batch);
}

const GONE = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

/** An EC2 instance as the registrar sees it. */
export interface Ec2Machine extends SimulatedMachine {
  instance: Ec2Instance;
}

/**
 * EC2's half of the registrar: instances tagged for the cluster, each read
 * into the Node its kubelet would register from its user data (labels and
 * taint from the NodeConfig's kubelet flags, capacity from its instance type).
 */
export function ec2Machines(ec2: EC2Client, cluster: string): MachineSource<Ec2Machine> {
  const types = new Map<string, Record<string, string>>();

  async function capacity(type: string): Promise<Record<string, string>> {
    const known = types.get(type);
    if (known) return known;
    const out = await ec2.send(new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] }));
    const info = out.InstanceTypes?.[0];
    if (!info) throw new Error(`DescribeInstanceTypes does not know ${type}`);
    const c = capacityOfType(info);
    types.set(type, c);
    return c;
  }

  return {
    cloud: 'aws',
    async list() {
      const out: Ec2Machine[] = [];
      const pages = paginateDescribeInstances(
        { client: ec2, pageSize: 500 },
        { Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [cluster] }] },
      );
      for await (const page of pages)
        for (const r of page.Reservations ?? [])
          for (const i of r.Instances ?? []) {
            const state = i.State?.Name ?? '';
            out.push({
              id: i.InstanceId ?? '',
              nodeName: tagMap(i.Tags)[TAG_NODE_NAME] ?? '',
              state: state === 'running' ? 'running' : GONE.has(state) ? 'gone' : 'other',
              instance: i,
            });
          }
      return out;
    },
    async nodeFor(m) {
      const attr = await ec2.send(
        new DescribeInstanceAttributeCommand({ InstanceId: m.id, Attribute: 'userData' }),
      );
      const data = attr.UserData?.Value;
      if (!data) throw new Error(`instance ${m.id} has no user data: its kubelet would never join`);
      return nodeForInstance(
        m.instance,
        registrationOf(data, m.instance),
        await capacity(m.instance.InstanceType ?? ''),
      );
    },
  };
}
