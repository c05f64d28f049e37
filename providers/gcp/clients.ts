import {
  InstancesClient,
  InstanceTemplatesClient,
  MachineTypesClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';
import { sharedPacer } from '../api-pacing.ts';
import { type ComputeQuotaGroup, computePacer, pacedComputeClient } from './compute-pacing.ts';

/**
 * Compute Engine clients over REST (the clients' `fallback: 'rest'`), so an
 * endpoint override (the local server of the tests and the demo) is an
 * ordinary http(s) URL. Without an API key, Application Default Credentials.
 */
export function computeClients(o: {
  endpoint?: string | undefined;
  apiKey?: string | undefined;
  /** The project whose quotas the calls spend (one pacer per project). */
  project?: string | undefined;
  /** Calls wait their turn in the project's per-minute quota groups (compute-pacing.ts); `false` sends them at once. */
  pacing?: { perMinute?: Partial<Record<ComputeQuotaGroup, number>> } | false;
}) {
  const url = o.endpoint ? new URL(o.endpoint) : undefined;
  const protocol = url?.protocol.replace(':', '');
  const options = {
    fallback: 'rest' as const,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(url
      ? { apiEndpoint: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol }
      : {}),
  };
  const pacing = o.pacing;
  const pacer =
    pacing === false
      ? undefined
      : sharedPacer(`gcp ${o.project ?? ''} ${o.endpoint ?? ''}`, () => computePacer(pacing?.perMinute));
  const paced = <T extends object>(client: T, kind: 'instances' | 'operations' | 'other'): T =>
    pacer ? pacedComputeClient(client, kind, pacer) : client;
  return {
    instances: paced(new InstancesClient(options), 'instances'),
    operations: paced(new ZoneOperationsClient(options), 'operations'),
    templates: paced(new InstanceTemplatesClient(options), 'other'),
    machineTypes: paced(new MachineTypesClient(options), 'other'),
    pacer,
    async close() {
      await Promise.allSettled([
        this.instances.close(),
        this.operations.close(),
        this.templates.close(),
        this.machineTypes.close(),
      ]);
    },
  };
}

export type ComputeClients = ReturnType<typeof computeClients>;
