import {
  InputError,
  type Offering,
  type PriceMultipliers,
  type PricingAdapter,
} from '../../src/model/index.ts';
import { loadCatalog } from '../catalog/load.ts';
import { applyMultipliers } from '../multipliers.ts';
import { type AwsClientOptions, type AwsSnapshot, createAwsClients, fetchAwsSnapshot } from './fetch.ts';
import { awsLiveOfferings, spotBands } from './offerings.ts';

export interface AwsPricingAdapterOptions extends AwsClientOptions {
  /** Negotiated discounts, applied to every offering fetched. */
  multipliers?: PriceMultipliers;
  /** Skipped products, retries, fallbacks. Default: stderr. */
  onWarning?: (message: string) => void;
  /**
   * The embedded AWS offerings (every region): where spot interruption bands
   * and the Fargate shape table come from. Default: the embedded catalog.
   */
  embedded?: () => readonly Offering[];
  /** Directory of the embedded catalog, when `embedded` is not given. */
  catalogDir?: string;
  /** Pages per paginated call before it is taken as broken; default 1000. */
  maxPages?: number;
}

export interface AwsPricingAdapter extends PricingAdapter {
  readonly region: string;
  /** The raw answers behind the offerings, for `berth catalog build --from aws`. */
  snapshot(signal: AbortSignal): Promise<AwsSnapshot>;
}

/** Warnings past this many per fetch are counted, not printed: a broken price list should not flood the log. */
const WARNINGS_PER_FETCH = 50;

/**
 * Live AWS prices for one region: on-demand from the Price List Query API,
 * spot per zone from EC2's price history, shapes and zones from EC2, Fargate
 * from the price list (else the embedded rates). `fetch` throws when it gets
 * nothing usable, so the caller keeps its last good set.
 */
export function createAwsPricingAdapter(options: AwsPricingAdapterOptions): AwsPricingAdapter {
  const { region } = options;
  if (!/^[a-z]{2}(-[a-z]+)+-\d+$/.test(region)) {
    throw new InputError(`expected an AWS region such as us-east-1, got "${region}"`, { field: 'region' });
  }
  if (region.startsWith('cn-')) {
    throw new InputError(
      `${region} is priced in CNY by a separate price list; berth prices in USD and can't use it`,
      { field: 'region' },
    );
  }
  const warnOut = options.onWarning ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const clients = createAwsClients({ ...options, onRetry: options.onRetry ?? warnOut });
  let embedded: readonly Offering[] | undefined;
  const embeddedOfferings = (): readonly Offering[] => {
    // Read once: the embedded catalog never changes while we run. Its age is the
    // controller's concern; here only bands and the Fargate shape table are used.
    embedded ??=
      options.embedded?.() ??
      loadCatalog({
        clouds: ['aws'],
        ...(options.catalogDir ? { dir: options.catalogDir } : {}),
        onWarning: () => {},
      }).offerings;
    return embedded;
  };

  const snapshot = async (signal: AbortSignal): Promise<AwsSnapshot> => {
    let count = 0;
    const warn = (m: string) => {
      count++;
      if (count <= WARNINGS_PER_FETCH) warnOut(m);
      else if (count === WARNINGS_PER_FETCH + 1)
        warnOut(`more warnings from this ${region} fetch are left out`);
    };
    return fetchAwsSnapshot(clients, region, {
      signal,
      warn,
      ...(options.maxPages ? { maxPages: options.maxPages } : {}),
    });
  };

  return {
    cloud: 'aws',
    region,
    snapshot,
    async fetch(signal: AbortSignal): Promise<Offering[]> {
      const snap = await snapshot(signal);
      const all = embeddedOfferings();
      const live = awsLiveOfferings({
        snapshot: snap,
        bands: spotBands(all, region),
        embeddedServerless: all.filter((o) => o.capacityType === 'serverless'),
      });
      for (const [reason, types] of Object.entries(live.skipped)) {
        const shown = types.slice(0, 5).join(', ');
        warnOut(
          `aws ${region}: ${types.length} left out, ${reason}: ${shown}${types.length > 5 ? ', ...' : ''}`,
        );
      }
      if (!live.offerings.some((o) => o.capacityType === 'on-demand')) {
        throw new Error(
          `aws ${region}: the price list gave no usable on-demand price (${snap.onDemand.size} priced, ` +
            `${snap.types.size} types described); keeping the prices in use`,
        );
      }
      return applyMultipliers(live.offerings, options.multipliers);
    },
  };
}
