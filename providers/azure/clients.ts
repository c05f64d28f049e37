import { ComputeManagementClient } from '@azure/arm-compute';
import { NetworkManagementClient } from '@azure/arm-network';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { sharedPacer } from '../api-pacing.ts';
import { armPacer, armPacingPolicy } from './arm-pacing.ts';

export interface ArmClientOptions {
  subscriptionId: string;
  /** Default: @azure/identity's chain (environment, workload identity, managed identity, Azure CLI). */
  credential?: TokenCredential;
  /** ARM endpoint override; default https://management.azure.com. */
  endpoint?: string;
  /** PEM CA to trust for the override (a local stand-in). */
  endpointCa?: string;
  /** Requests wait their turn in ARM's and Compute's buckets (arm-pacing.ts); `false` sends them at once. */
  pacing?: false;
}

/** Inside the SDK's retry, before signing: every attempt is paced, in the subscription's one pacer. */
function paced<C extends { pipeline: ComputeManagementClient['pipeline'] }>(
  client: C,
  o: ArmClientOptions,
): C {
  if (o.pacing === false) return client;
  const pacer = sharedPacer(`azure ${o.subscriptionId} ${o.endpoint ?? ''}`, armPacer);
  client.pipeline.addPolicy(armPacingPolicy(pacer), { afterPhase: 'Retry' });
  return client;
}

/** The SDK's client options for an endpoint override: both the pipeline's endpoint and the operations' host. */
function common(o: ArmClientOptions) {
  return {
    ...(o.endpoint
      ? { endpoint: o.endpoint, $host: o.endpoint, credentialScopes: 'https://management.azure.com/.default' }
      : {}),
    ...(o.endpointCa ? { tlsOptions: { ca: o.endpointCa } } : {}),
    // The SDK retries throttling (429, honouring Retry-After) and transient errors itself.
    retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 10_000 },
  };
}

export function armCredential(o: ArmClientOptions): TokenCredential {
  return o.credential ?? new DefaultAzureCredential();
}

export function computeClient(o: ArmClientOptions): ComputeManagementClient {
  return paced(new ComputeManagementClient(armCredential(o), o.subscriptionId, common(o)), o);
}

export function networkClient(o: ArmClientOptions): NetworkManagementClient {
  return paced(new NetworkManagementClient(armCredential(o), o.subscriptionId, common(o)), o);
}
