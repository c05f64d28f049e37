import type { V1Node } from '@kubernetes/client-node';
import { ANNOTATION_CLAIM_ID, ANNOTATION_KWOK_NODE, ANNOTATION_OFFERING_ID } from '../../src/model/index.ts';
import type { MachineSource, SimulatedMachine } from '../sandbox/registrar.ts';
import type { ArmServer, ArmSku } from './arm-server.ts';
import { registrationOf } from './custom-data.ts';
import { providerIdOf, TAG_CLAIM_ID, TAG_CLUSTER, TAG_NODE_NAME, TAG_OFFERING_ID } from './names.ts';

type StandInVm = ReturnType<ArmServer['vms']>[number];

interface AzureMachine extends SimulatedMachine {
  vm: StandInVm;
}

/**
 * The Azure half of the sandbox registrar: VMs of the ARM stand-in tagged
 * for the cluster. A VM that finished provisioning reads its custom data as
 * the node's bootstrap would (the aks-node-controller configuration in the
 * cloud-config) into the Node its kubelet registers: labels and taint from
 * the kubelet flags, capacity from its size. A VM that disappeared (deleted,
 * evicted) is reported gone, so its Node is removed.
 */
export function armMachines(o: {
  arm: ArmServer;
  skus: readonly ArmSku[];
  cluster: string;
  location: string;
}): MachineSource<AzureMachine> {
  const known = new Map<string, StandInVm>();
  return {
    cloud: 'azure',
    async list() {
      const now = o.arm.vms().filter((vm) => vm.tags[TAG_CLUSTER] === o.cluster);
      const present = new Set(now.map((vm) => vm.name));
      for (const vm of now) known.set(vm.name, vm);
      const machines: AzureMachine[] = now.map((vm) => ({
        id: vm.name,
        nodeName: vm.tags[TAG_NODE_NAME] ?? '',
        state: vm.state === 'Succeeded' ? 'running' : 'other',
        vm,
      }));
      for (const [name, vm] of known) {
        if (!present.has(name))
          machines.push({ id: name, nodeName: vm.tags[TAG_NODE_NAME] ?? '', state: 'gone', vm });
      }
      return machines;
    },
    async nodeFor({ vm }): Promise<V1Node> {
      const data = o.arm.customDataOf(vm.name);
      if (!data) throw new Error(`VM ${vm.name} has no custom data: its kubelet would never join`);
      const reg = registrationOf(data);
      const sku = o.skus.find((s) => s.name === vm.vmSize);
      if (!sku) throw new Error(`the stand-in has no SKU ${vm.vmSize}`);
      const capacity: Record<string, string> = {
        cpu: String(sku.vcpus),
        memory: `${Math.round(sku.memoryGB * 1024)}Mi`,
        pods: String(reg.maxPods ?? 110),
        'ephemeral-storage': '30Gi',
      };
      if ((sku.gpus ?? 0) > 0) capacity['nvidia.com/gpu'] = String(sku.gpus);
      const name = vm.tags[TAG_NODE_NAME] ?? '';
      return {
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
    },
  };
}
