import {
  DescribeInstanceAttributeCommand,
  DescribeInstanceTypesCommand,
  type EC2Client,
  type Instance as Ec2Instance,
  type InstanceTypeInfo,
  type _InstanceType,
  paginateDescribeInstances,
} from '@aws-sdk/client-ec2';
import { ApiException, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { ANNOTATION_CLAIM_ID, ANNOTATION_KWOK_NODE, ANNOTATION_OFFERING_ID } from '../../src/model/index.ts';
import { providerIdOf, TAG_CLAIM_ID, TAG_CLUSTER, TAG_NODE_NAME, TAG_OFFERING_ID, tagMap } from './tags.ts';
import { type NodeRegistration, nodeRegistrationOf } from './user-data.ts';

/**
 * Stands in for the kubelet on machines launched into an emulator (moto),
 * for the tests and the demo: a running instance tagged for the cluster
 * registers as a Node, the way its kubelet would from its user data (labels
 * and taint from the NodeConfig's kubelet flags, capacity from its instance
 * type), and kwok runs it. A Node whose instance is gone is removed, as the
 * cloud controller manager would.
 */
export interface RegistrarOptions {
  kubeConfig: KubeConfig;
  ec2: EC2Client;
  /** The `berth.dev/cluster` tag value whose machines register here. */
  cluster: string;
  /** Between polls of EC2. Default 500 ms. */
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface Registrar {
  /** One pass: register what runs, remove what is gone. */
  sync(): Promise<void>;
  /** Node names registered so far. */
  readonly registered: ReadonlySet<string>;
  stop(): Promise<void>;
}

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

const GONE = new Set(['shutting-down', 'terminated', 'stopping', 'stopped']);

function status(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export function startRegistrar(o: RegistrarOptions): Registrar {
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const onError = o.onError ?? ((err: unknown) => process.stderr.write(`aws registrar: ${String(err)}\n`));
  const registered = new Set<string>();
  /** Instances already registered once: a kubelet registers when it starts, not every time its Node is deleted. */
  const seen = new Set<string>();
  const types = new Map<string, Record<string, string>>();
  const failedOnce = new Set<string>();
  /** Instances gone and their Node removed: nothing more to do for them. */
  const finished = new Set<string>();

  async function capacity(type: string): Promise<Record<string, string>> {
    const known = types.get(type);
    if (known) return known;
    const out = await o.ec2.send(
      new DescribeInstanceTypesCommand({ InstanceTypes: [type as _InstanceType] }),
    );
    const info = out.InstanceTypes?.[0];
    if (!info) throw new Error(`DescribeInstanceTypes does not know ${type}`);
    const c = capacityOfType(info);
    types.set(type, c);
    return c;
  }

  async function register(i: Ec2Instance): Promise<void> {
    const id = i.InstanceId ?? '';
    const name = tagMap(i.Tags)[TAG_NODE_NAME];
    if (!name) return;
    const attr = await o.ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: id, Attribute: 'userData' }),
    );
    const data = attr.UserData?.Value;
    if (!data) throw new Error(`instance ${id} has no user data: its kubelet would never join`);
    const node = nodeForInstance(i, nodeRegistrationOf(data), await capacity(i.InstanceType ?? ''));
    try {
      await core.createNode({ body: node });
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    seen.add(id);
    registered.add(name);
  }

  async function deregister(i: Ec2Instance): Promise<void> {
    const name = tagMap(i.Tags)[TAG_NODE_NAME];
    if (!name) return;
    let node: V1Node;
    try {
      node = await core.readNode({ name });
    } catch (err) {
      if (status(err) === 404) return;
      throw err;
    }
    if (!node.spec?.providerID?.endsWith(`/${i.InstanceId}`)) return;
    try {
      await core.deleteNode({ name, body: { preconditions: { uid: node.metadata?.uid } } });
    } catch (err) {
      if (status(err) !== 404 && status(err) !== 409) throw err;
    }
  }

  async function sync(): Promise<void> {
    const instances: Ec2Instance[] = [];
    const pages = paginateDescribeInstances(
      { client: o.ec2, pageSize: 500 },
      { Filters: [{ Name: `tag:${TAG_CLUSTER}`, Values: [o.cluster] }] },
    );
    for await (const page of pages)
      for (const r of page.Reservations ?? []) instances.push(...(r.Instances ?? []));
    for (const i of instances) {
      const id = i.InstanceId ?? '';
      const state = i.State?.Name ?? '';
      try {
        if (state === 'running' && !seen.has(id)) await register(i);
        else if (GONE.has(state) && !finished.has(id)) {
          await deregister(i);
          finished.add(id);
        }
      } catch (err) {
        // Reported once per instance, then retried quietly on every pass.
        if (!failedOnce.has(id)) onError(new Error(`instance ${id}: ${String(err)}`));
        failedOnce.add(id);
      }
    }
  }

  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = sync()
      .catch(onError)
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, o.intervalMs ?? 500);
      });
  };
  tick();

  return {
    sync,
    registered,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
