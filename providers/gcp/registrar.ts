import type { V1Node } from '@kubernetes/client-node';
import { ANNOTATION_CLAIM_ID, ANNOTATION_KWOK_NODE, ANNOTATION_OFFERING_ID } from '../../src/model/index.ts';
import type { MachineSource, SimulatedMachine } from '../sandbox/registrar.ts';
import { registrationOf } from './bootstrap.ts';
import { listVms } from './list-vms.ts';
import type { ComputeClients } from './clients.ts';
import {
  claimOf,
  type GceInstance,
  LABEL_CLUSTER,
  labelValue,
  METADATA_AWAITS_CLAIM,
  METADATA_OFFERING_ID,
  metadataOf,
  providerIdOf,
} from './labels.ts';

/** A Compute Engine VM as the registrar sees it. */
export interface GceMachine extends SimulatedMachine {
  vm: GceInstance & { machineType?: string | null };
  zone: string;
}

/**
 * Compute Engine's half of the registrar: VMs labelled for the cluster, each
 * read into the Node its kubelet would register as GKE's bootstrap would:
 * labels from `kube-labels`, taints from `kube-env`'s NODE_TAINTS, maxPods
 * from its KUBELET_ARGS, capacity from the machine type. A batched VM's
 * boot waits until its per-claim registration is written (`berth-claim`
 * replaces `berth-awaits-claim`), as the real boot reads it from the
 * metadata server before it starts the kubelet.
 */
export function gceMachines(
  clients: ComputeClients,
  project: string,
  cluster: string,
): MachineSource<GceMachine> {
  const types = new Map<string, Record<string, string>>();

  async function capacity(zone: string, type: string): Promise<Record<string, string>> {
    const known = types.get(type);
    if (known) return known;
    const [t] = await clients.machineTypes.get({ project, zone, machineType: type });
    const gpus = (t.accelerators ?? []).reduce((n, a) => n + (a.guestAcceleratorCount ?? 0), 0);
    const c: Record<string, string> = {
      cpu: String(t.guestCpus ?? 0),
      memory: `${t.memoryMb ?? 0}Mi`,
      pods: '110',
      'ephemeral-storage': '20Gi',
      ...(gpus > 0 ? { 'nvidia.com/gpu': String(gpus) } : {}),
    };
    types.set(type, c);
    return c;
  }

  return {
    cloud: 'gcp',
    async list() {
      const out: GceMachine[] = [];
      const vms = await listVms<GceMachine['vm']>(
        clients,
        project,
        `labels.${LABEL_CLUSTER} = "${labelValue(cluster)}"`,
      );
      for (const vm of vms) {
        const status = vm.status ?? '';
        const awaiting = metadataOf(vm, METADATA_AWAITS_CLAIM) !== undefined;
        out.push({
          id: vm.name ?? '',
          nodeName: vm.name ?? '',
          state:
            status === 'RUNNING'
              ? awaiting
                ? 'other'
                : 'running'
              : status === 'STOPPING' || status === 'TERMINATED'
                ? 'gone'
                : 'other',
          vm,
          zone: (vm.zone ?? '').split('/').pop() ?? '',
        });
      }
      return out;
    },
    async nodeFor(m): Promise<V1Node> {
      const items = m.vm.metadata?.items ?? [];
      const reg = registrationOf(items);
      const base = await capacity(m.zone, (m.vm.machineType ?? '').split('/').pop() ?? '');
      const status = reg.maxPods === undefined ? base : { ...base, pods: String(reg.maxPods) };
      return {
        apiVersion: 'v1',
        kind: 'Node',
        metadata: {
          name: m.nodeName,
          labels: { 'kubernetes.io/hostname': m.nodeName, ...reg.labels },
          annotations: {
            [ANNOTATION_KWOK_NODE]: 'fake',
            [ANNOTATION_CLAIM_ID]: claimOf(m.vm) ?? '',
            [ANNOTATION_OFFERING_ID]: items.find((i) => i.key === METADATA_OFFERING_ID)?.value ?? '',
          },
        },
        spec: {
          providerID: providerIdOf(project, m.zone, m.nodeName),
          taints: reg.taints.map((t) => ({
            key: t.key,
            ...(t.value !== undefined ? { value: t.value } : {}),
            effect: t.effect,
          })),
        },
        status: { capacity: status, allocatable: { ...status } },
      };
    },
  };
}
