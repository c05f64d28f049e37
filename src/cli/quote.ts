import type { Command } from 'commander';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { loadPreset, presetNames } from '../../policies/presets.ts';
import { parsePolicyDocuments } from '../../policies/validate.ts';
import {
  ANNOTATION_POLICY,
  type Candidate,
  type Cloud,
  InputError,
  type ManifestPod,
  type Offering,
  type OfferingIndex,
  type PodQuote,
  type Policy,
} from '../model/index.ts';
import { describeOffering, formatPrice } from '../placement/explain.ts';
import { nodeAllocatable } from '../placement/node-reserved.ts';
import { buildIndex } from '../placement/offering-index.ts';
import { formatResources } from '../model/quantity.ts';
import { sizePod } from '../placement/sizing.ts';
import { decide } from '../placement/solver.ts';
import { parseClouds } from './catalog.ts';
import { extractPods, readInput } from './manifests.ts';
import { formatTable, parseOutputFormat, printJson } from './output.ts';

/**
 * `berth quote`: what berth would buy for each pod in some manifests, and why,
 * from the embedded catalog, without a cluster.
 */

/**
 * The embedded catalog indexed for the asked clouds and regions; live
 * offerings, when given, replace the embedded ones of their cloud and region.
 */
export function quoteIndex(
  clouds?: readonly Cloud[],
  regions?: readonly string[],
  live: readonly Offering[] = [],
): OfferingIndex {
  const catalog = loadCatalog({
    ...(clouds ? { clouds } : {}),
    ...(regions ? { regions } : {}),
  });
  const offerings = withLive(catalog.offerings, live);
  if (offerings.length === 0) {
    const where = regions ? `region ${regions.join(', ')}` : 'the catalog';
    throw new InputError(`no offerings in ${where}${clouds ? ` for ${clouds.join(', ')}` : ''}`, {
      field: '--region',
    });
  }
  return buildIndex(offerings, nodeAllocatable);
}

export function withLive(embedded: readonly Offering[], live: readonly Offering[]): Offering[] {
  const covered = new Set(live.map((o) => `${o.cloud}/${o.region}`));
  return [...embedded.filter((o) => !covered.has(`${o.cloud}/${o.region}`)), ...live];
}

/**
 * AWS prices of one region from the live APIs (Price List, EC2 spot history).
 * When they can't be had, says why and returns nothing: the quote then uses
 * the embedded catalog, and each price says which source it came from.
 */
export async function liveAwsOfferings(o: {
  region: string;
  pricingEndpoint?: string;
  ec2Endpoint?: string;
  timeoutMs?: number;
  warn?: (message: string) => void;
}): Promise<Offering[]> {
  const warn = o.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  // Loaded on demand: the AWS SDK is heavy and most quotes don't need it.
  const { createAwsPricingAdapter } = await import('../../pricing/aws/adapter.ts');
  const adapter = createAwsPricingAdapter({
    region: o.region,
    ...(o.pricingEndpoint ? { pricingEndpoint: o.pricingEndpoint } : {}),
    ...(o.ec2Endpoint ? { ec2Endpoint: o.ec2Endpoint } : {}),
    onWarning: warn,
  });
  try {
    return await adapter.fetch(AbortSignal.timeout(o.timeoutMs ?? 60_000));
  } catch (err) {
    warn(
      `live AWS prices for ${o.region} unavailable (${err instanceof Error ? err.message : String(err)}); using the embedded catalog`,
    );
    return [];
  }
}

/** `--policy` names a preset or a file holding exactly one PlacementPolicy. */
export function policyFromFlag(flag: string): Policy {
  if (presetNames().includes(flag)) return loadPreset(flag);
  if (!/[./\\]/.test(flag)) {
    throw new InputError(
      `"${flag}" is not a preset (expected one of: ${presetNames().join(', ')}) or a file`,
      {
        field: '--policy',
      },
    );
  }
  const { text, source } = readInput(flag);
  const policies = parsePolicyDocuments(text, source);
  if (policies.length !== 1) {
    throw new InputError(`holds ${policies.length} policies; --policy needs a file with exactly one`, {
      source,
    });
  }
  return policies[0]!; // length checked just above
}

/**
 * The flag wins, then the pod's `berth.dev/policy` annotation (a preset: quote
 * can't read a cluster's PlacementPolicies), then the default preset.
 */
export function policyFor(pod: ManifestPod, flagPolicy: Policy | undefined): Policy {
  if (flagPolicy) return flagPolicy;
  const named = pod.annotations[ANNOTATION_POLICY];
  if (named === undefined) return loadPreset('default');
  if (!presetNames().includes(named)) {
    throw new InputError(
      `"${named}" is not a built-in preset (expected one of: ${presetNames().join(', ')}); quote can't read a cluster's PlacementPolicies, so pass --policy FILE`,
      { source: pod.where, object: pod.object, field: `metadata.annotations["${ANNOTATION_POLICY}"]` },
    );
  }
  return loadPreset(named);
}

/** Quotes pods against an index, each under its own policy (same order as the pods). */
export function quotePods(
  pods: readonly ManifestPod[],
  policies: readonly Policy[],
  index: OfferingIndex,
): PodQuote[] {
  return pods.map((pod, i) => {
    const policy = policies[i] ?? loadPreset('default');
    const sizing = sizePod({ spec: pod.spec, policy, object: pod.object });
    const decision = decide({
      pod: { namespace: pod.namespace, name: pod.name },
      sizing,
      podSpec: pod.spec,
      policy,
      index,
    });
    return { pod, decision };
  });
}

/** Quotes every pod of the manifest text against an index. */
export function quoteManifests(
  text: string,
  source: string,
  options: { policy?: Policy; index: OfferingIndex },
): PodQuote[] {
  const pods = extractPods(text, source);
  const policies = pods.map((pod) => policyFor(pod, options.policy));
  return quotePods(pods, policies, options.index);
}

function priceSource(c: Candidate): string {
  const s = c.offering.source;
  return `${s.kind}${s.estimated ? ', estimated' : ''} (${s.origin})`;
}

function candidateRow(rank: string, c: Candidate): string[] {
  // Serverless: the shape the request is rounded to; a machine: the node it is launched as.
  const shape = c.serverlessShape
    ? `${formatResources({ cpu: c.serverlessShape.cpu, memory: c.serverlessShape.memoryMiB * 1024 * 1024 })}`
    : c.node
      ? `${c.node.rootVolumeGiB}Gi disk, maxPods ${c.node.maxPods}`
      : '';
  return [
    rank,
    describeOffering(c.offering),
    formatPrice(c.pricePerHour),
    formatPrice(c.effectivePricePerHour),
    [c.zones?.join(','), shape].filter(Boolean).join(' '),
    priceSource(c),
  ];
}

export function formatQuote(q: PodQuote): string {
  const d = q.decision;
  const lines = [
    `${q.pod.object} (${q.pod.where}), policy ${d.policyName}`,
    `  request    ${formatResources(d.sizing.podRequest)}`,
    ...(formatResources(d.sizing.adjusted) !== formatResources(d.sizing.podRequest)
      ? [`  adjusted   ${formatResources(d.sizing.adjusted)}`]
      : []),
    `  node need  ${formatResources(d.sizing.need)}`,
  ];
  if (d.chosen) {
    const rows = [
      candidateRow('chosen', d.chosen),
      ...d.fallbacks.map((c, i) => candidateRow(`#${i + 2}`, c)),
    ];
    const table = formatTable(
      ['RANK', 'OFFERING', 'PRICE', 'EFFECTIVE', 'ZONES/SHAPE', 'PRICE SOURCE'],
      rows,
    );
    lines.push(...table.split('\n').map((l) => `  ${l}`));
  } else {
    for (const m of d.nearestMisses) {
      lines.push(
        `  near miss  ${describeOffering(m.offering)} ${formatPrice(m.pricePerHour)}: ${m.reasons.join('; ')}`,
      );
    }
  }
  lines.push(`  why        ${d.explanation}`);
  return lines.join('\n');
}

export function register(program: Command): void {
  program
    .command('quote')
    .description(
      'Show what berth would buy for each pod in some manifests, from the embedded catalog (or live AWS prices)',
    )
    .requiredOption('-f, --filename <file>', 'manifests (Pods, Deployments, Jobs, ...) to quote; - for stdin')
    .option(
      '--policy <file|preset>',
      'a PlacementPolicy file or a preset name (default: the pod annotation, else default)',
    )
    .option('--cloud <clouds>', 'only these clouds (comma separated)')
    .option('--region <regions>', 'only these regions (comma separated)')
    .option(
      '--live-prices <aws-region>',
      'price this AWS region from the live APIs (credentials from the usual AWS chain)',
    )
    .option('--pricing-endpoint <url>', 'Price List API endpoint (default: the one serving the region)')
    .option('--ec2-endpoint <url>', "EC2 endpoint (default: the region's)")
    .option('-o, --output <format>', 'table or json', 'table')
    .action(
      async (opts: {
        filename: string;
        policy?: string;
        cloud?: string;
        region?: string;
        output: string;
        livePrices?: string;
        pricingEndpoint?: string;
        ec2Endpoint?: string;
      }) => {
        const format = parseOutputFormat(opts.output);
        const policy = opts.policy === undefined ? undefined : policyFromFlag(opts.policy);
        const { text, source } = readInput(opts.filename);
        // Everything a person typed is checked before the catalog is read.
        const pods = extractPods(text, source);
        const policies = pods.map((pod) => policyFor(pod, policy));
        const clouds = parseClouds(opts.cloud);
        const regions = opts.region
          ?.split(',')
          .map((r) => r.trim())
          .filter((r) => r !== '');
        const live = opts.livePrices
          ? await liveAwsOfferings({
              region: opts.livePrices,
              ...(opts.pricingEndpoint ? { pricingEndpoint: opts.pricingEndpoint } : {}),
              ...(opts.ec2Endpoint ? { ec2Endpoint: opts.ec2Endpoint } : {}),
            })
          : [];
        const quotes = quotePods(pods, policies, quoteIndex(clouds, regions, live));
        if (format === 'json') printJson(quotes.map((q) => q.decision));
        else process.stdout.write(`${quotes.map(formatQuote).join('\n\n')}\n`);
      },
    );
}
