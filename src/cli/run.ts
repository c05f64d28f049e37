import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { type Command, Option } from 'commander';
import { createAwsPricingAdapter } from '../../pricing/aws/adapter.ts';
import { parsePriceMultipliers } from '../../pricing/multipliers.ts';
import { CLOUDS, type Cloud, InputError, type PriceMultipliers } from '../model/index.ts';
import { installCrds } from '../kube/crds.ts';
import { startRuntime } from '../server/runtime.ts';
import { addAwsFlags, type AwsFlags, awsConfigFromFlags } from './aws-flags.ts';

interface RunFlags extends AwsFlags {
  livePrices: boolean;
  priceRefresh: string;
  kubeconfig?: string;
  provider: string;
  cloud: string;
  region: string;
  schedulerName: string;
  defaultPolicy: string;
  concurrency: string;
  bootDelay: string;
  readyTimeout: string;
  unavailableFor: string;
  metricsAddress: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  installCrds: boolean;
  priceMultipliers?: string;
}

const env = (name: string, fallback: string) => process.env[name] ?? fallback;

export function register(program: Command): void {
  const command = program
    .command('run')
    .description(
      'run the controller: watch berth pods, buy each a node of its own, bind, and tear down when done',
    )
    .option(
      '--kubeconfig <path>',
      'kubeconfig to use (default: in-cluster config, else $KUBECONFIG or ~/.kube/config)',
    )
    .addOption(
      new Option(
        '--provider <name>',
        'where machines come from (local: a simulated cloud whose nodes kwok runs; aws: EC2, see --aws-*) ($BERTH_PROVIDER)',
      )
        .choices(['local', 'aws'])
        .default(env('BERTH_PROVIDER', 'local')),
    )
    .addOption(
      new Option('--cloud <cloud>', 'cloud whose offerings to buy ($BERTH_CLOUD)')
        .choices([...CLOUDS])
        .default(env('BERTH_CLOUD', 'aws')),
    )
    .option(
      '--region <region>',
      'region whose offerings to buy ($BERTH_REGION)',
      env('BERTH_REGION', 'us-east-1'),
    )
    .option(
      '--scheduler-name <name>',
      'pods with this spec.schedulerName are ours',
      env('BERTH_SCHEDULER_NAME', 'berth'),
    )
    .option(
      '--default-policy <preset>',
      'policy for pods with no annotation and no namespace default',
      env('BERTH_DEFAULT_POLICY', 'default'),
    )
    .option('--concurrency <n>', 'pods reconciled at once', env('BERTH_CONCURRENCY', '32'))
    .option(
      '--boot-delay <seconds>',
      'local provider: seconds a machine takes to boot',
      env('BERTH_BOOT_DELAY', '0'),
    )
    .option(
      '--ready-timeout <seconds>',
      'replace a node not Ready this long after launch',
      env('BERTH_READY_TIMEOUT', '300'),
    )
    .option(
      '--unavailable-for <seconds>',
      'skip an offering this long after a capacity error',
      env('BERTH_UNAVAILABLE_FOR', '180'),
    )
    .option(
      '--metrics-address <host:port>',
      'serve /metrics, /healthz and /readyz here',
      env('BERTH_METRICS_ADDRESS', '127.0.0.1:8080'),
    )
    .option('--no-leader-elect', 'act at once instead of competing for the lease (single replica only)')
    .option(
      '--install-crds',
      'apply the Berth and PlacementPolicy CRDs first (the Helm chart installs them otherwise)',
    )
    .option(
      '--lease-namespace <ns>',
      'namespace of the leader-election Lease',
      env('BERTH_LEASE_NAMESPACE', 'berth-system'),
    )
    .option(
      '--lease-name <name>',
      'name of the leader-election Lease',
      env('BERTH_LEASE_NAME', 'berth-controller'),
    )
    .option(
      '--live-prices',
      'fetch live prices (aws: Price List API and EC2 spot history) instead of only the embedded catalog',
      env('BERTH_LIVE_PRICES', 'false') === 'true',
    )
    .option(
      '--price-multipliers <json|@file>',
      'negotiated discounts, e.g. \'{"capacityType":{"on-demand":0.8},"family":{"m7i":0.7}}\' (or @path to a JSON file)',
      process.env.BERTH_PRICE_MULTIPLIERS,
    )
    .option(
      '--price-refresh <seconds>',
      'with --live-prices: between fetches',
      env('BERTH_PRICE_REFRESH', '43200'),
    )
    .addHelpText(
      'after',
      '\nEvery flag can also be set by the environment variable named in its help ($BERTH_...).\nExample: berth run --kubeconfig "$(berth cluster up)" --no-leader-elect',
    );
  addAwsFlags(command).action(async (flags: RunFlags) => {
    const kc = new KubeConfig();
    if (flags.kubeconfig) kc.loadFromFile(flags.kubeconfig);
    else kc.loadFromDefault();
    const [host, port] = parseAddress(flags.metricsAddress);
    const cluster = kc.getCurrentCluster();
    const aws =
      flags.provider === 'aws'
        ? awsConfigFromFlags(flags, {
            region: flags.region,
            ...(cluster?.server ? { kubeServer: cluster.server } : {}),
            ...(cluster?.caData ? { kubeCaData: cluster.caData } : {}),
          })
        : undefined;
    const region = aws?.region ?? flags.region;
    if (flags.livePrices && flags.cloud !== 'aws') {
      throw new InputError('live prices are only fetched for aws so far', { field: '--live-prices' });
    }
    const multipliers = priceMultipliers(flags.priceMultipliers);
    if (flags.installCrds) await installCrds(kc);
    const runtime = await startRuntime({
      kubeConfig: kc,
      provider: aws ? 'aws' : 'local',
      ...(aws ? { aws } : {}),
      ...(flags.livePrices
        ? {
            livePrices: {
              adapter: createAwsPricingAdapter({
                region,
                multipliers,
                ...(aws?.endpoint ? { ec2Endpoint: aws.endpoint } : {}),
              }),
              intervalMs: seconds(flags.priceRefresh, '--price-refresh'),
            },
          }
        : {}),
      cloud: flags.cloud as Cloud,
      region,
      multipliers,
      schedulerName: flags.schedulerName,
      defaultPolicy: flags.defaultPolicy,
      concurrency: positive(flags.concurrency, '--concurrency'),
      bootDelayMs: seconds(flags.bootDelay, '--boot-delay'),
      readyTimeoutMs: seconds(flags.readyTimeout, '--ready-timeout'),
      unavailableTtlMs: seconds(flags.unavailableFor, '--unavailable-for'),
      leaderElection: flags.leaderElect ? { namespace: flags.leaseNamespace, name: flags.leaseName } : false,
      http: { host, port },
    });
    runtime.log.info({ metrics: `http://${host}:${port}/metrics` }, 'berth running');
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await runtime.stop();
  });
}

/** `--price-multipliers`: inline JSON, or @file holding it. */
function priceMultipliers(value: string | undefined): PriceMultipliers {
  if (!value) return {};
  const file = value.startsWith('@') ? value.slice(1) : undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(file ? readFileSync(file, 'utf8') : value);
  } catch (err) {
    throw new InputError(`expected JSON (${err instanceof Error ? err.message : String(err)})`, {
      ...(file ? { source: file } : {}),
      field: '--price-multipliers',
    });
  }
  return parsePriceMultipliers(parsed, file ?? '--price-multipliers');
}

function parseAddress(value: string): [string, number] {
  const i = value.lastIndexOf(':');
  const port = Number(value.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InputError(`expected host:port, got "${value}"`, { field: '--metrics-address' });
  }
  return [value.slice(0, i) || '127.0.0.1', port];
}

function positive(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InputError(`expected a whole number of at least 1, got "${value}"`, { field });
  return n;
}

function seconds(value: string, field: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new InputError(`expected seconds (a number >= 0), got "${value}"`, { field });
  return Math.round(n * 1000);
}
