import {
  InstancesClient,
  InstanceTemplatesClient,
  MachineTypesClient,
  ZoneOperationsClient,
} from '@google-cloud/compute';

/**
 * Compute Engine clients over REST (the clients' `fallback: 'rest'`), so an
 * endpoint override (the local server of the tests and the demo) is an
 * ordinary http(s) URL. Without an API key, Application Default Credentials.
 */
export function computeClients(o: { endpoint?: string | undefined; apiKey?: string | undefined }) {
  const url = o.endpoint ? new URL(o.endpoint) : undefined;
  const protocol = url?.protocol.replace(':', '');
  const options = {
    fallback: 'rest' as const,
    ...(o.apiKey ? { apiKey: o.apiKey } : {}),
    ...(url
      ? { apiEndpoint: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol }
      : {}),
  };
  return {
    instances: new InstancesClient(options),
    operations: new ZoneOperationsClient(options),
    templates: new InstanceTemplatesClient(options),
    machineTypes: new MachineTypesClient(options),
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
