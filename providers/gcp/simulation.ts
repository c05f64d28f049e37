import type { KubeConfig } from '@kubernetes/client-node';
import { type Registrar, startRegistrar } from '../sandbox/registrar.ts';
import { type ComputeClients, computeClients } from './clients.ts';
import { type ComputeServer, type GceMachineTypeRecord, startComputeServer } from './compute-server.ts';
import type { GcpProviderConfig } from './config.ts';
import { gceMachines } from './registrar.ts';

/**
 * A GCP project inside the local Compute Engine and Cloud Billing server,
 * ready for berth: machine types in three zones, a GKE node pool's instance
 * template whose kube-env names the local cluster, Compute Engine SKUs, plus
 * the registrar standing in for the kubelets. For the tests and the demo;
 * never point it at Google.
 */

/** One Cloud Billing SKU in the API's REST shape. */
export function skuOf(
  description: string,
  usageType: 'OnDemand' | 'Preemptible',
  regions: readonly string[],
  usdPerUnit: number,
  resourceGroup = /GPU/.test(description) ? 'GPU' : /Ram/.test(description) ? 'RAM' : 'CPU',
): Record<string, unknown> {
  const units = Math.floor(usdPerUnit);
  return {
    name: `services/6F81-5844-456A/skus/${Buffer.from(description + usageType)
      .toString('hex')
      .slice(0, 12)}`,
    skuId: Buffer.from(description + usageType)
      .toString('hex')
      .slice(0, 12),
    description: `${usageType === 'Preemptible' ? 'Spot Preemptible ' : ''}${description} running in Americas`,
    category: { serviceDisplayName: 'Compute Engine', resourceFamily: 'Compute', resourceGroup, usageType },
    serviceRegions: [...regions],
    pricingInfo: [
      {
        pricingExpression: {
          usageUnit: /Ram/.test(description) ? 'GiBy.h' : 'h',
          tieredRates: [
            {
              startUsageAmount: 0,
              unitPrice: {
                currencyCode: 'USD',
                units: String(units),
                nanos: Math.round((usdPerUnit - units) * 1e9),
              },
            },
          ],
        },
        currencyConversionRate: 1,
      },
    ],
    serviceProviderName: 'Google',
  };
}

/** Per-family hourly rates the simulated catalog sells at (USD per vCPU and per GiB), near Google's us-central1 list prices. */
export const SIM_RATES: Readonly<Record<string, { core: number; ram: number; label: string }>> = {
  e2: { core: 0.021811, ram: 0.002923, label: 'E2 Instance' },
  n2: { core: 0.031611, ram: 0.004237, label: 'N2 Instance' },
  n2d: { core: 0.027502, ram: 0.003686, label: 'N2D AMD Instance' },
  t2a: { core: 0.0385, ram: 0.0048, label: 'T2A Arm Instance' },
  g2: { core: 0.02025, ram: 0.00237, label: 'G2 Instance' },
};
/** GPUs the simulated catalog sells, USD per GPU-hour. */
export const SIM_GPU_RATES: Readonly<Record<string, number>> = { 'Nvidia L4 GPU': 0.56 };
/** Spot at this fraction of on-demand in the simulation. */
export const SIM_SPOT_FACTOR = 0.3;

export function simulatedSkus(region: string): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const r of Object.values(SIM_RATES)) {
    for (const [usage, factor] of [
      ['OnDemand', 1],
      ['Preemptible', SIM_SPOT_FACTOR],
    ] as const) {
      out.push(skuOf(`${r.label} Core`, usage, [region], r.core * factor));
      out.push(skuOf(`${r.label} Ram`, usage, [region], r.ram * factor));
    }
  }
  for (const [gpu, rate] of Object.entries(SIM_GPU_RATES)) {
    out.push(skuOf(gpu, 'OnDemand', [region], rate));
    out.push(skuOf(gpu, 'Preemptible', [region], rate * SIM_SPOT_FACTOR));
  }
  // What berth must count, not guess: a custom-type SKU, and one that is not about machines at all.
  out.push(skuOf('Custom Instance Core', 'OnDemand', [region], 0.033174));
  out.push({
    ...skuOf('Storage PD Capacity', 'OnDemand', [region], 0.04),
    category: { resourceFamily: 'Storage', resourceGroup: 'PDStandard', usageType: 'OnDemand' },
  });
  return out;
}

export const SIM_MACHINE_TYPES: readonly GceMachineTypeRecord[] = [
  { name: 'e2-small', guestCpus: 2, memoryMb: 2048, isSharedCpu: true },
  { name: 'e2-medium', guestCpus: 2, memoryMb: 4096, isSharedCpu: true },
  { name: 'e2-standard-2', guestCpus: 2, memoryMb: 8192 },
  { name: 'e2-standard-4', guestCpus: 4, memoryMb: 16384 },
  { name: 'e2-standard-8', guestCpus: 8, memoryMb: 32768 },
  { name: 'e2-highcpu-2', guestCpus: 2, memoryMb: 2048 },
  { name: 'n2-standard-2', guestCpus: 2, memoryMb: 8192 },
  { name: 'n2-standard-4', guestCpus: 4, memoryMb: 16384 },
  { name: 'n2-standard-8', guestCpus: 8, memoryMb: 32768 },
  { name: 'n2d-standard-2', guestCpus: 2, memoryMb: 8192 },
  { name: 't2a-standard-2', guestCpus: 2, memoryMb: 8192, architecture: 'ARM64' },
  {
    name: 'g2-standard-8',
    guestCpus: 8,
    memoryMb: 32768,
    accelerators: [{ guestAcceleratorType: 'nvidia-l4', guestAcceleratorCount: 1 }],
  },
];

/** A GKE node pool's instance template, as GKE writes it, with the cluster's API server in its kube-env. */
export function nodePoolTemplate(cluster: string, apiServer: string): Record<string, unknown> {
  const kubeEnv = [
    `CLUSTER_NAME: ${cluster}`,
    `KUBERNETES_MASTER_NAME: ${new URL(apiServer).hostname}`,
    'NODE_LABELS: cloud.google.com/gke-nodepool=default-pool',
    'NODE_TAINTS: ""',
    'KUBELET_ARGS: --v=2 --cloud-provider=external --experimental-mounter-path=/home/kubernetes/containerized_mounter/mounter --max-pods=110',
  ].join('\n');
  return {
    machineType: 'e2-medium',
    labels: { 'goog-gke-node': '' },
    tags: { items: [`gke-${cluster}-node`] },
    metadata: {
      items: [
        { key: 'kube-env', value: kubeEnv },
        {
          key: 'kube-labels',
          value: 'cloud.google.com/gke-nodepool=default-pool,cloud.google.com/gke-os-distribution=cos',
        },
        { key: 'cluster-name', value: cluster },
        { key: 'configure-sh', value: '#!/bin/bash\n# GKE node configuration script\n' },
        { key: 'user-data', value: '#cloud-config\n' },
      ],
    },
    disks: [
      {
        boot: true,
        autoDelete: true,
        type: 'PERSISTENT',
        initializeParams: {
          diskSizeGb: '100',
          diskType: 'pd-balanced',
          sourceImage: 'projects/gke-node-images/global/images/gke-cos',
        },
      },
    ],
    networkInterfaces: [
      {
        network: 'projects/berth-sim/global/networks/default',
        subnetwork: 'projects/berth-sim/regions/us-central1/subnetworks/default',
      },
    ],
    serviceAccounts: [
      {
        email: 'gke-nodes@berth-sim.iam.gserviceaccount.com',
        scopes: ['https://www.googleapis.com/auth/cloud-platform'],
      },
    ],
  };
}

export interface GcpSimulation {
  server: ComputeServer;
  /** A provider config for this project, pointing at the local server. */
  config: GcpProviderConfig;
  clients: ComputeClients;
  registrar: Registrar;
  stop(): Promise<void>;
}

export const SIM_PROJECT = 'berth-sim';
export const SIM_API_KEY = 'local-server';

export async function startGcpSimulation(o: {
  kubeConfig: KubeConfig;
  cluster: string;
  region?: string;
  registrarIntervalMs?: number;
  provisionMs?: number;
  onError?: (err: unknown) => void;
}): Promise<GcpSimulation> {
  const region = o.region ?? 'us-central1';
  const zones = ['a', 'b', 'c'].map((z) => `${region}-${z}`);
  const apiServer = o.kubeConfig.getCurrentCluster()?.server ?? 'https://127.0.0.1';
  const template = `gke-${o.cluster}-default-pool`;
  const server = await startComputeServer({
    project: SIM_PROJECT,
    zones,
    machineTypes: SIM_MACHINE_TYPES,
    templates: { [template]: nodePoolTemplate(o.cluster, apiServer) },
    skus: simulatedSkus(region),
    pageSize: 5,
    ...(o.provisionMs !== undefined ? { provisionMs: o.provisionMs } : {}),
  });
  const config: GcpProviderConfig = {
    project: SIM_PROJECT,
    region,
    zones,
    clusterName: o.cluster,
    nodePoolTemplate: template,
    endpoint: server.endpoint,
    apiKey: SIM_API_KEY,
    preemptionPollMs: 500,
  };
  const clients = computeClients(config);
  const registrar = startRegistrar({
    kubeConfig: o.kubeConfig,
    machines: gceMachines(clients, SIM_PROJECT, o.cluster),
    ...(o.registrarIntervalMs !== undefined ? { intervalMs: o.registrarIntervalMs } : {}),
    ...(o.onError ? { onError: o.onError } : {}),
  });
  return {
    server,
    config,
    clients,
    registrar,
    async stop() {
      await registrar.stop();
      await clients.close();
      await server.close();
    },
  };
}
