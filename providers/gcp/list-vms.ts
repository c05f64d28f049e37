import type { ComputeClients } from './clients.ts';
import type { GceInstance } from './labels.ts';

/** Every VM of the project that matches the filter, in every zone: one aggregated list, page by page. */
export async function listVms<T extends GceInstance = GceInstance>(
  clients: ComputeClients,
  project: string,
  filter: string,
): Promise<T[]> {
  const out: T[] = [];
  const pages = clients.instances.aggregatedListAsync(
    { project, filter, maxResults: 500 },
    { autoPaginate: false },
  );
  for await (const [, scoped] of pages) out.push(...((scoped.instances ?? []) as T[]));
  return out;
}
