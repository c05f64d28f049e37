import { CloudCatalogClient } from '@google-cloud/billing';
import { MachineTypesClient } from '@google-cloud/compute';

/**
 * The Google clients the GCP adapter reads prices and shapes with. They
 * speak REST (the clients' `fallback: 'rest'`), so an endpoint override (a
 * local server in tests) is an ordinary http(s) URL.
 */
export interface GcpPricingClientOptions {
  /** The project whose machine types are listed (the one berth buys in). */
  project: string;
  /** Compute Engine API endpoint override, e.g. `http://127.0.0.1:8123`. */
  computeEndpoint?: string;
  /** Cloud Billing API endpoint override. */
  billingEndpoint?: string;
  /** An API key instead of Application Default Credentials (the SKU catalog is public). */
  apiKey?: string;
}

/** Client options for an endpoint URL: host, port and protocol, REST transport. */
export function restOptions(endpoint: string | undefined, apiKey: string | undefined) {
  const base = { fallback: 'rest' as const, ...(apiKey ? { apiKey } : {}) };
  if (!endpoint) return base;
  const url = new URL(endpoint);
  const protocol = url.protocol.replace(':', '');
  return {
    ...base,
    apiEndpoint: url.hostname,
    port: Number(url.port || (protocol === 'http' ? 80 : 443)),
    protocol,
  };
}

export function gcpPricingClients(o: GcpPricingClientOptions) {
  return {
    machineTypes: new MachineTypesClient(restOptions(o.computeEndpoint, o.apiKey)),
    catalog: new CloudCatalogClient(restOptions(o.billingEndpoint, o.apiKey)),
  };
}
