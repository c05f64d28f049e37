import {
  CloudAccessError,
  InputError,
  type Interruption,
  type Offering,
  type PriceMultipliers,
  type PricingAdapter,
} from '../../src/model/index.ts';
import { loadCatalog } from '../catalog/load.ts';
import { applyMultipliers } from '../multipliers.ts';
import { type GcpPricingClientOptions, gcpPricingClients } from './clients.ts';
import { compareWithEmbedded, gcpLiveOfferings } from './offerings.ts';
import { type GceMachineType, shapesOfRegion } from './shapes.ts';
import { type BillingSku, type GcpRates, ratesFromSkus } from './skus.ts';

/** Compute Engine's service in the Cloud Billing Catalog. */
export const COMPUTE_ENGINE_SERVICE = 'services/6F81-5844-456A';

export interface GcpPricingAdapterOptions extends GcpPricingClientOptions {
  region: string;
  multipliers?: PriceMultipliers;
  /** The interruption band given to every spot offering (Google publishes none). */
  spotBand?: Interruption;
  onWarning?: (message: string) => void;
  /** SKUs per page; default 5000 (the API's maximum). */
  pageSize?: number;
  /** Directory of the embedded catalog (GPU memory per model comes from it). */
  catalogDir?: string;
}

/** What one fetch read: the raw material of the offerings, for `berth catalog build --from gcp` and checks. */
export interface GcpSnapshot {
  rates: GcpRates;
  machineTypes: GceMachineType[];
  skus: number;
}

/** The offerings of one fetch before multipliers, with what was left out: for `berth catalog build --from gcp`. */
export interface GcpRawPrices {
  region: string;
  fetchedAt: string;
  offerings: Offering[];
  skipped: Record<string, string[]>;
}

export interface GcpPricingAdapter extends PricingAdapter {
  readonly region: string;
  snapshot(signal: AbortSignal): Promise<GcpSnapshot>;
  raw(signal: AbortSignal): Promise<GcpRawPrices>;
}

/** Google's gRPC status codes as the REST clients report them. */
const PERMISSION_DENIED = 7;
const UNAUTHENTICATED = 16;

/** The gRPC status of a Google client error; clients that surface the HTTP answer instead (403, 401) are read as the same. */
function googleCode(err: unknown): number | undefined {
  const e =
    typeof err === 'object' && err !== null ? (err as { code?: unknown; httpStatusCode?: unknown }) : {};
  const http = typeof e.httpStatusCode === 'number' ? e.httpStatusCode : e.code;
  if (http === 403) return PERMISSION_DENIED;
  if (http === 401) return UNAUTHENTICATED;
  return typeof e.code === 'number' ? e.code : undefined;
}

/** A refused call as a CloudAccessError naming what to grant; anything else with the call in front. */
function callError(call: string, permission: string, err: unknown, signal: AbortSignal): unknown {
  if (signal.aborted) return signal.reason;
  const message = err instanceof Error ? err.message : String(err);
  const code = googleCode(err);
  if (code === PERMISSION_DENIED)
    return new CloudAccessError(
      'gcp',
      'forbidden',
      permission,
      `berth's Google credentials may not call ${call} (${message}): grant ${permission} to the service account berth runs as (deploy/gcp/berth-controller-role.yaml)`,
    );
  if (code === UNAUTHENTICATED)
    return new CloudAccessError(
      'gcp',
      'rejected-credentials',
      permission,
      `Google rejected berth's credentials on ${call} (${message}): set GOOGLE_APPLICATION_CREDENTIALS or run with Workload Identity`,
    );
  return new Error(`${call} failed: ${message}`, { cause: err });
}

/**
 * Live GCP prices for one region: core, RAM and GPU rates from the Cloud
 * Billing Catalog (every page of Compute Engine's SKUs), machine types from
 * Compute Engine's aggregated list. `fetch` throws when it gets nothing
 * usable, so the caller keeps its last good set.
 */
export function createGcpPricingAdapter(options: GcpPricingAdapterOptions): GcpPricingAdapter {
  const { region } = options;
  if (!/^[a-z]+-[a-z]+\d+$/.test(region)) {
    throw new InputError(`expected a GCP region such as us-central1, got "${region}"`, { field: 'region' });
  }
  if (!options.project)
    throw new InputError('the GCP project is needed to list machine types', { field: 'project' });
  const warn = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const clients = gcpPricingClients(options);
  let embedded: readonly Offering[] | undefined;
  // Read once: GPU memory per model (the API does not give it) and the prices live ones are checked against.
  const embeddedOfferings = () => {
    embedded ??= loadCatalog({
      clouds: ['gcp'],
      ...(options.catalogDir ? { dir: options.catalogDir } : {}),
      onWarning: () => {},
    }).offerings;
    return embedded;
  };
  let gpuMemory: Map<string, number> | undefined;
  const gpuMemoryMiB = (model: string) => {
    gpuMemory ??= new Map(
      embeddedOfferings().flatMap((o) =>
        o.gpu && o.gpu.memoryMiB > 0 ? [[o.gpu.model, o.gpu.memoryMiB] as const] : [],
      ),
    );
    return gpuMemory.get(model);
  };

  const snapshot = async (signal: AbortSignal): Promise<GcpSnapshot> => {
    const skus: BillingSku[] = [];
    try {
      const pages = clients.catalog.listSkusAsync(
        { parent: COMPUTE_ENGINE_SERVICE, currencyCode: 'USD', pageSize: options.pageSize ?? 5000 },
        { autoPaginate: false },
      );
      for await (const sku of pages) {
        signal.throwIfAborted();
        skus.push(sku as BillingSku);
      }
    } catch (err) {
      throw callError(
        'cloudbilling services.skus.list',
        'the Cloud Billing API (cloudbilling.googleapis.com) enabled on the project',
        err,
        signal,
      );
    }
    const machineTypes: GceMachineType[] = [];
    try {
      const zones = clients.machineTypes.aggregatedListAsync(
        { project: options.project, maxResults: 500 },
        { autoPaginate: false },
      );
      for await (const [, list] of zones) {
        signal.throwIfAborted();
        machineTypes.push(...((list.machineTypes ?? []) as GceMachineType[]));
      }
    } catch (err) {
      throw callError('compute machineTypes.aggregatedList', 'compute.machineTypes.list', err, signal);
    }
    return { rates: ratesFromSkus(skus, [region]), machineTypes, skus: skus.length };
  };

  const raw = async (signal: AbortSignal): Promise<GcpRawPrices> => {
    const snap = await snapshot(signal);
    if (snap.rates.unmatched.count > 0) {
      warn(
        `gcp: ${snap.rates.unmatched.count} machine SKUs matched no family or GPU model and were left out, e.g. ${snap.rates.unmatched.examples.join('; ')}`,
      );
    }
    const now = new Date();
    const live = gcpLiveOfferings({
      region,
      shapes: shapesOfRegion(snap.machineTypes, region).values(),
      rates: snap.rates,
      ...(options.spotBand ? { spotBand: options.spotBand } : {}),
      gpuMemoryMiB,
      now,
    });
    for (const [reason, types] of Object.entries(live.skipped)) {
      warn(
        `gcp ${region}: ${types.length} left out, ${reason}: ${types.slice(0, 5).join(', ')}${types.length > 5 ? ', ...' : ''}`,
      );
    }
    if (!live.offerings.some((o) => o.capacityType === 'on-demand')) {
      throw new Error(
        `gcp ${region}: no on-demand price could be made (${snap.skus} SKUs, ${snap.machineTypes.length} machine types read)`,
      );
    }
    return { region, fetchedAt: now.toISOString(), offerings: live.offerings, skipped: live.skipped };
  };

  return {
    cloud: 'gcp',
    region,
    snapshot,
    raw,
    async fetch(signal: AbortSignal): Promise<Offering[]> {
      const live = await raw(signal);
      const check = compareWithEmbedded(
        live.offerings,
        embeddedOfferings().filter((o) => o.region === region),
      );
      if (check.differing > 0) {
        warn(
          `gcp ${region}: ${check.differing} of ${check.compared} prices also in the embedded catalog differ from it by more than 1%, e.g. ${check.examples.join('; ')}`,
        );
      }
      return applyMultipliers(live.offerings, options.multipliers);
    },
  };
}
