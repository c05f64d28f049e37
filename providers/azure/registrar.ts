import { ApiException, CoreV1Api, type KubeConfig, type V1Node } from '@kubernetes/client-node';
import { ANNOTATION_CLAIM_ID, ANNOTATION_KWOK_NODE, ANNOTATION_OFFERING_ID } from '../../src/model/index.ts';
import type { ArmServer, ArmSku } from './arm-server.ts';
import { registrationOf } from './custom-data.ts';
import { providerIdOf, TAG_CLAIM_ID, TAG_CLUSTER, TAG_NODE_NAME, TAG_OFFERING_ID } from './names.ts';

/**
 * Stands in for the kubelet on VMs created in the ARM stand-in, for the tests
 * and the demo: a VM tagged for the cluster that finished provisioning reads
 * its custom data as the node's bootstrap would (the aks-node-controller
 * configuration in the cloud-config) and registers the Node kwok runs, with
 * the labels and taint the kubelet flags give it and the capacity of its
 * size. A Node whose VM is gone is removed, as the cloud node manager would.
 */
export interface AzureRegistrarOptions {
  kubeConfig: KubeConfig;
  arm: ArmServer;
  skus: readonly ArmSku[];
  cluster: string;
  location: string;
  intervalMs?: number;
  onError?: (err: unknown) => void;
}

export interface AzureRegistrar {
  sync(): Promise<void>;
  readonly registered: ReadonlySet<string>;
  stop(): Promise<void>;
}

function status(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

export function startAzureRegistrar(o: AzureRegistrarOptions): AzureRegistrar {
  const core = o.kubeConfig.makeApiClient(CoreV1Api);
  const onError = o.onError ?? ((err: unknown) => process.stderr.write(`azure registrar: ${String(err)}\n`));
  const registered = new Set<string>();
  /** VM id -> node name, for the VMs registered: a kubelet registers once, when it starts. */
  const seen = new Map<string, string>();
  const failedOnce = new Set<string>();

  async function register(vm: ReturnType<ArmServer['vms']>[number]): Promise<void> {
    const name = vm.tags[TAG_NODE_NAME];
    if (!name) return;
    const data = o.arm.customDataOf(vm.name);
    if (!data) throw new Error(`VM ${vm.name} has no custom data: its kubelet would never join`);
    const reg = registrationOf(data);
    const sku = o.skus.find((s) => s.name === vm.vmSize);
    if (!sku) throw new Error(`no SKU ${vm.vmSize}`);
    const capacity: Record<string, string> = {
      cpu: String(sku.vcpus),
      memory: `${Math.round(sku.memoryGB * 1024)}Mi`,
      pods: String(reg.maxPods ?? 110),
      'ephemeral-storage': '30Gi',
    };
    if ((sku.gpus ?? 0) > 0) capacity['nvidia.com/gpu'] = String(sku.gpus);
    const node: V1Node = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name,
        labels: {
          'kubernetes.io/hostname': name,
          'topology.kubernetes.io/region': o.location,
          ...(vm.zone ? { 'topology.kubernetes.io/zone': `${o.location}-${vm.zone}` } : {}),
          ...reg.labels,
        },
        annotations: {
          [ANNOTATION_KWOK_NODE]: 'fake',
          [ANNOTATION_CLAIM_ID]: vm.tags[TAG_CLAIM_ID] ?? '',
          [ANNOTATION_OFFERING_ID]: vm.tags[TAG_OFFERING_ID] ?? '',
        },
      },
      spec: {
        providerID: providerIdOf(vm.id),
        taints: reg.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect })),
      },
      status: { capacity, allocatable: { ...capacity } },
    };
    try {
      await core.createNode({ body: node });
    } catch (err) {
      if (status(err) !== 409) throw err;
    }
    seen.set(vm.id, name);
    registered.add(name);
  }

  async function deregister(vmId: string, name: string): Promise<void> {
    let node: V1Node;
    try {
      node = await core.readNode({ name });
    } catch (err) {
      if (status(err) === 404) return;
      throw err;
    }
    if (node.spec?.providerID !== providerIdOf(vmId)) return;
    try {
      await core.deleteNode({ name, body: { preconditions: { uid: node.metadata?.uid } } });
    } catch (err) {
      if (status(err) !== 404 && status(err) !== 409) throw err;
    }
  }

  async function sync(): Promise<void> {
    const vms = o.arm.vms().filter((vm) => vm.tags[TAG_CLUSTER] === o.cluster);
    const present = new Set(vms.map((vm) => vm.id));
    for (const vm of vms) {
      try {
        if (vm.state === 'Succeeded' && !seen.has(vm.id)) await register(vm);
      } catch (err) {
        if (!failedOnce.has(vm.id)) onError(new Error(`VM ${vm.name}: ${String(err)}`));
        failedOnce.add(vm.id);
      }
    }
    for (const [id, name] of [...seen]) {
      if (present.has(id)) continue;
      try {
        await deregister(id, name);
        seen.delete(id);
      } catch (err) {
        onError(new Error(`node ${name}: ${String(err)}`));
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
        if (!stopped) timer = setTimeout(tick, o.intervalMs ?? 300);
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
