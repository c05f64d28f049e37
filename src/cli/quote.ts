import type { V1PodSpec } from '@kubernetes/client-node';
import { type Command, Option } from 'commander';
import { loadCatalog } from '../../pricing/catalog/load.ts';
import { applyMultipliers } from '../../pricing/multipliers.ts';
import { loadPreset, presetNames } from '../../policies/presets.ts';
import { parsePolicyDocuments } from '../../policies/validate.ts';
import { localReach } from '../../providers/local/provider.ts';
import {
  ANNOTATION_POLICY,
  type Candidate,
  type Cloud,
  CLOUDS,
  InputError,
  type ManifestPod,
  type Offering,
  type PodQuote,
  type Policy,
  type PriceMultipliers,
  type Reach,
} from '../model/index.ts';
import { PlacementEngine } from '../placement/engine.ts';
import { describeOffering, formatPrice } from '../placement/explain.ts';
import { formatResources } from '../model/quantity.ts';
import type { CommandFlags } from './cloud-kit.ts';
import { addCloudFlags, CLOUD_KITS, kitFor, PROVIDER_NAMES } from './cloud-kits.ts';
import { parseClouds } from './catalog.ts';
import { extractWorkloads, readInput } from './manifests.ts';
import { formatTable, parseOutputFormat, printJson } from './output.ts';
import { parsePriceMultipliersFlag } from './price-multipliers-flag.ts';
import { nothingToDecideAmong, offeringsFor, withLive } from '../runtime/offerings.ts';

/**
 * `berth quote`: what berth would buy for each pod in some manifests, and
 * why, without a cluster. By default it decides exactly as `berth run` with
 * the same flags would: the same catalog for the same cloud and region, the
 * same provider reach, price multipliers and DaemonSets, through the same
 * engine. `--anywhere` ranks every cloud and region instead.
 */

/** What a quote decides with, printed in its header so a reader knows what it predicts. */
export interface QuoteSetup {
  /** `berth run` flags it mirrors, e.g. `--provider local --cloud aws --region us-east-1`; absent with --anywhere. */
  runFlags?: string;
  offerings: number;
  /** Offerings of the catalog the provider can't launch, left out. */
  outOfReach: number;
  /** Why, by reason, e.g. `serverless platform not configured: 2`. */
  outOfReachWhy?: string;
  prices: 'embedded' | 'live';
  multipliers: boolean;
  daemonSets: number;
  defaultPolicy: string;
}

/**
 * The offerings `berth run` would decide among: the catalog for its cloud and
 * region (live offerings, when given, replace the embedded ones of their
 * cloud and region), discounted, inside the provider's reach.
 */
export function runOfferings(o: {
  cloud: Cloud;
  region: string;
  reach: Reach;
  multipliers?: PriceMultipliers;
  live?: readonly Offering[];
}): { offerings: Offering[]; outOfReach: number; outOfReachWhy: string } {
  const r = offeringsFor(o);
  if (r.offerings.length === 0) throw nothingToDecideAmong({ ...o, catalogCount: r.catalogCount });
  // A serverless platform the installation has not configured never wins: say so.
  const why = r.leftOut
    .map(
      (l) =>
        `${l.reason === 'serverless platform' ? 'serverless platform not configured' : l.reason}: ${l.count}`,
    )
    .join(', ');
  return { offerings: r.offerings, outOfReach: r.catalogCount - r.offerings.length, outOfReachWhy: why };
}

/** Every cloud and region of the embedded catalog (`--anywhere`), with live offerings where given. */
export function anywhereOfferings(
  clouds?: readonly Cloud[],
  regions?: readonly string[],
  live: readonly Offering[] = [],
  multipliers?: PriceMultipliers,
): Offering[] {
  const catalog = loadCatalog({
    ...(clouds ? { clouds } : {}),
    ...(regions ? { regions } : {}),
  });
  const offerings = withLive(applyMultipliers(catalog.offerings, multipliers), live);
  if (offerings.length === 0) {
    const where = regions ? `region ${regions.join(', ')}` : 'the catalog';
    throw new InputError(`no offerings in ${where}${clouds ? ` for ${clouds.join(', ')}` : ''}`, {
      field: '--region',
    });
  }
  return offerings;
}

/**
 * Live prices of one cloud region, through the cloud's kit (its flags name
 * any endpoints). When they can't be had, says why and returns nothing: the
 * quote then uses the embedded catalog, and each price says which source it
 * came from.
 */
export async function liveOfferings(o: {
  cloud: Cloud;
  region: string;
  flags?: CommandFlags;
  multipliers?: PriceMultipliers;
  timeoutMs?: number;
  warn?: (message: string) => void;
}): Promise<Offering[]> {
  const warn = o.warn ?? ((m: string) => process.stderr.write(`warning: ${m}\n`));
  const adapter = await kitFor(o.cloud, '--cloud').pricing({
    region: o.region,
    flags: o.flags ?? {},
    ...(o.multipliers ? { multipliers: o.multipliers } : {}),
    onWarning: warn,
  });
  try {
    return await adapter.fetch(AbortSignal.timeout(o.timeoutMs ?? 60_000));
  } catch (err) {
    warn(
      `live ${o.cloud} prices for ${o.region} unavailable (${err instanceof Error ? err.message : String(err)}); using the embedded catalog`,
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
export function policyFor(
  pod: ManifestPod,
  flagPolicy: Policy | undefined,
  defaultPolicy = 'default',
): Policy {
  if (flagPolicy) return flagPolicy;
  const named = pod.annotations[ANNOTATION_POLICY];
  if (named === undefined) return loadPreset(defaultPolicy);
  if (!presetNames().includes(named)) {
    throw new InputError(
      `"${named}" is not a built-in preset (expected one of: ${presetNames().join(', ')}); quote can't read a cluster's PlacementPolicies, so pass --policy FILE`,
      { source: pod.where, object: pod.object, field: `metadata.annotations["${ANNOTATION_POLICY}"]` },
    );
  }
  return loadPreset(named);
}

/** Quotes pods with the engine, each under its own policy (same order as the pods). */
export function quotePods(
  pods: readonly ManifestPod[],
  policies: readonly Policy[],
  engine: PlacementEngine,
  daemonSets: readonly V1PodSpec[] = [],
): PodQuote[] {
  return pods.map((pod, i) => {
    const policy = policies[i] ?? loadPreset('default');
    const decision = engine.decide(
      { metadata: { name: pod.name, namespace: pod.namespace }, spec: pod.spec },
      policy,
      daemonSets,
      new Set(),
      pod.object,
      // Quoted as created: through the webhook, where shape fit may still trim the request.
      { shapeFit: true },
    );
    return { pod, decision };
  });
}

/** Quotes every workload of the manifest text; its DaemonSets size the nodes instead of being quoted. */
export function quoteManifests(
  text: string,
  source: string,
  options: {
    policy?: Policy;
    engine: PlacementEngine;
    daemonSets?: readonly V1PodSpec[];
    defaultPolicy?: string;
  },
): PodQuote[] {
  const { pods } = extractWorkloads(text, source);
  const quoted = pods.filter((p) => p.kind !== 'DaemonSet');
  const daemonSets = [
    ...(options.daemonSets ?? []),
    ...pods.filter((p) => p.kind === 'DaemonSet').map((p) => p.spec),
  ];
  const policies = quoted.map((pod) => policyFor(pod, options.policy, options.defaultPolicy));
  return quotePods(quoted, policies, options.engine, daemonSets);
}

/** The price of all the pods a workload runs at once, e.g. a Deployment's replicas. */
export function totalPerHour(q: PodQuote): number | undefined {
  const c = q.decision.chosen;
  return c ? Math.round(c.pricePerHour * q.pod.replicas * 1e6) / 1e6 : undefined;
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
  const total = totalPerHour(q);
  const lines = [
    `${q.pod.object} (${q.pod.where}), policy ${d.policyName}`,
    ...(q.pod.replicas !== 1
      ? [
          `  replicas   ${q.pod.replicas}${total !== undefined ? `: ${formatPrice(total)} in all, each on a node of its own` : ''}`,
        ]
      : []),
    `  request    ${formatResources(d.sizing.podRequest)}`,
    ...(formatResources(d.sizing.adjusted) !== formatResources(d.sizing.podRequest)
      ? [`  adjusted   ${formatResources(d.sizing.adjusted)}`]
      : []),
    `  node need  ${formatResources(d.sizing.need)}`,
    ...(formatResources(d.sizing.minimum) !== formatResources(d.sizing.need)
      ? [
          `  fits on    ${formatResources(d.sizing.minimum)} (headroom and minimums only where the machine has room)`,
        ]
      : []),
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
  if (d.chosen && d.packedShare) {
    const ratio = d.chosen.pricePerHour / d.packedShare.pricePerHour;
    lines.push(
      `  packed     ${formatPrice(d.packedShare.pricePerHour)} as its share of a shared ${describeOffering(d.packedShare.offering)} (isolation costs ${ratio.toFixed(1)}x that)`,
    );
  }
  lines.push(`  why        ${d.explanation}`);
  return lines.join('\n');
}

export function formatSetup(setup: QuoteSetup): string {
  const what = setup.runFlags
    ? `as \`berth run ${setup.runFlags}\` would decide`
    : 'anywhere in the catalog (--anywhere: not what any one berth run would buy)';
  const why = setup.outOfReachWhy ? ` (${setup.outOfReachWhy})` : '';
  const left = setup.outOfReach > 0 ? `, ${setup.outOfReach} the provider can't launch left out${why}` : '';
  return [
    `Quoted ${what}:`,
    `  ${setup.offerings} offerings (${setup.prices} prices${left}), default policy ${setup.defaultPolicy},`,
    `  ${setup.daemonSets} DaemonSet${setup.daemonSets === 1 ? '' : 's'} beside each pod, ${setup.multipliers ? 'price multipliers applied' : 'no price multipliers'}`,
  ].join('\n');
}

interface QuoteFlags {
  /** Each cloud kit's own flags (--aws-*, ...), read by the kit. */
  [kitFlag: string]: unknown;
  filename: string;
  policy?: string;
  defaultPolicy: string;
  provider: string;
  cloud: string;
  region: string;
  anywhere?: boolean;
  daemonsets?: string;
  kubeconfig?: string;
  priceMultipliers?: string;
  livePrices?: boolean;
  pricingEndpoint?: string;
  output: string;
}

/** The DaemonSets of a manifest file, or of the cluster a kubeconfig names: the pods beside each node's own. */
async function daemonSetsFrom(flags: QuoteFlags): Promise<V1PodSpec[]> {
  const specs: V1PodSpec[] = [];
  if (flags.daemonsets) {
    const { text, source } = readInput(flags.daemonsets);
    const { pods } = extractWorkloads(text, source);
    specs.push(...pods.filter((p) => p.kind === 'DaemonSet').map((p) => p.spec));
  }
  if (flags.kubeconfig) {
    const { AppsV1Api } = await import('@kubernetes/client-node');
    const { loadKubeConfig } = await import('./kubeconfig.ts');
    const { kubeConfig: kc } = loadKubeConfig(flags.kubeconfig);
    const list = await kc.makeApiClient(AppsV1Api).listDaemonSetForAllNamespaces();
    for (const ds of list.items) if (ds.spec?.template.spec) specs.push(ds.spec.template.spec);
  }
  return specs;
}

export function register(program: Command): void {
  const command = program
    .command('quote')
    .description(
      'show what `berth run` with the same flags would buy for each pod in some manifests, and why (no cluster needed)',
    )
    .requiredOption(
      '-f, --filename <file>',
      'manifests to quote (Pods, Deployments, Jobs, ...; Services and the like are skipped); - for stdin',
    )
    .option(
      '--policy <file|preset>',
      'a PlacementPolicy file or a preset name for every pod (default: the pod annotation, else --default-policy)',
    )
    .addOption(
      new Option('--default-policy <preset>', 'policy for pods with no annotation')
        .env('BERTH_DEFAULT_POLICY')
        .default('default'),
    )
    .addOption(
      new Option(
        '--provider <name>',
        'the provider `berth run` would launch through: its reach limits the offerings',
      )
        .choices([...PROVIDER_NAMES])
        .env('BERTH_PROVIDER')
        .default('local'),
    )
    .addOption(
      new Option('--cloud <cloud>', 'cloud whose offerings to buy').env('BERTH_CLOUD').default('aws'),
    )
    .addOption(
      new Option('--region <region>', 'region whose offerings to buy')
        .env('BERTH_REGION')
        .default('us-east-1'),
    )
    .option(
      '--anywhere',
      'rank every cloud and region of the catalog (--cloud and --region may then list several, comma separated)',
    )
    .option('--daemonsets <file>', 'DaemonSets (a manifest file) whose pods would run beside each pod')
    .option(
      '--kubeconfig <path>',
      'read the DaemonSets from this cluster (the policies are still the presets or --policy)',
    )
    .addOption(
      new Option('--price-multipliers <json|@file>', 'negotiated discounts, as for berth run').env(
        'BERTH_PRICE_MULTIPLIERS',
      ),
    )
    .option(
      '--live-prices',
      `price --region of --cloud from the cloud's live APIs (${CLOUD_KITS.map((k) => k.liveSources).join('; ')}; credentials from the cloud's usual chain)`,
    )
    .option(
      '--pricing-endpoint <url>',
      "the cloud's price API endpoint (default: the one serving the region)",
    )
    .option('-o, --output <format>', 'table or json', 'table');
  addCloudFlags(command).action(async (flags: QuoteFlags) => {
    const format = parseOutputFormat(flags.output);
    const policy = flags.policy === undefined ? undefined : policyFromFlag(flags.policy);
    const multipliers = parsePriceMultipliersFlag(flags.priceMultipliers);
    const { text, source } = readInput(flags.filename);
    // Everything a person typed is checked before the catalog is read.
    const { pods, skipped } = extractWorkloads(text, source);
    const quoted = pods.filter((p) => p.kind !== 'DaemonSet');
    const policies = quoted.map((pod) => policyFor(pod, policy, flags.defaultPolicy));
    const daemonSets = [
      ...(await daemonSetsFrom(flags)),
      ...pods.filter((p) => p.kind === 'DaemonSet').map((p) => p.spec),
    ];
    for (const s of skipped) process.stderr.write(`note: skipped ${s}: it runs no pod\n`);

    const cloud = flags.cloud as Cloud;
    if (!flags.anywhere && !(CLOUDS as readonly string[]).includes(flags.cloud)) {
      throw new InputError(`expected one of ${CLOUDS.join(', ')}, got "${flags.cloud}"`, {
        field: '--cloud',
      });
    }
    if (flags.livePrices && flags.anywhere) {
      throw new InputError(
        'live prices are fetched for one cloud region: use --cloud <cloud> --region <region>',
        {
          field: '--live-prices',
        },
      );
    }
    if (flags.livePrices) kitFor(cloud, '--live-prices');
    const live = flags.livePrices
      ? await liveOfferings({ cloud, region: flags.region, flags, multipliers })
      : [];
    let offerings: Offering[];
    let outOfReach = 0;
    let outOfReachWhy = '';
    let cannotHost: Reach['cannotHost'] = [];
    if (flags.anywhere) {
      const regions = flags.region
        .split(',')
        .map((r) => r.trim())
        .filter((r) => r !== '');
      offerings = anywhereOfferings(parseClouds(flags.cloud), regions, live, multipliers);
    } else {
      const reach =
        flags.provider === 'local'
          ? localReach(cloud, flags.region)
          : await kitFor(flags.provider, '--provider').reach(flags, flags.region);
      ({ offerings, outOfReach, outOfReachWhy } = runOfferings({
        cloud,
        region: flags.region,
        reach,
        multipliers,
        live,
      }));
      cannotHost = reach.cannotHost;
    }
    const quotes = quotePods(quoted, policies, new PlacementEngine(offerings, cannotHost), daemonSets);
    const setup: QuoteSetup = {
      ...(flags.anywhere
        ? {}
        : { runFlags: `--provider ${flags.provider} --cloud ${cloud} --region ${flags.region}` }),
      offerings: offerings.length,
      outOfReach,
      ...(outOfReachWhy ? { outOfReachWhy } : {}),
      prices: live.length > 0 ? 'live' : 'embedded',
      multipliers: Object.keys(multipliers).length > 0,
      daemonSets: daemonSets.length,
      defaultPolicy: flags.defaultPolicy,
    };
    if (format === 'json') {
      printJson({
        setup,
        skipped,
        pods: quotes.map((q) => ({
          object: q.pod.object,
          where: q.pod.where,
          replicas: q.pod.replicas,
          totalPerHour: totalPerHour(q) ?? null,
          decision: q.decision,
        })),
      });
    } else {
      process.stdout.write(`${formatSetup(setup)}\n\n${quotes.map(formatQuote).join('\n\n')}\n`);
    }
  });
}
