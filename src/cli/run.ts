import { type Command, Option } from 'commander';
import { CLOUDS, type Cloud, FAILURE_POLICIES, InputError } from '../model/index.ts';
import { preflight } from '../kube/preflight.ts';
import { addCloudFlags, CLOUD_KITS, kitFor, PROVIDER_NAMES } from './cloud-kits.ts';
import { loadKubeConfig } from './kubeconfig.ts';
import { addLedgerFlags, type LedgerFlags, ledgerLocationFromFlags } from './ledger-flag.ts';
import { parsePriceMultipliersFlag } from './price-multipliers-flag.ts';
import { webhookFromFlags } from './webhook-flags.ts';
import { parseAddress } from './address-flag.ts';

interface RunFlags extends LedgerFlags {
  /** Each cloud kit's own flags (--aws-*, ...), read by the kit. */
  [kitFlag: string]: unknown;
  ledgerRetention: string;
  livePrices: boolean;
  priceRefresh: string;
  kubeconfig?: string;
  provider?: string;
  cloud: string;
  region: string;
  schedulerName: string;
  defaultPolicy: string;
  concurrency: string;
  bootDelay: string;
  readyTimeout: string;
  unavailableFor: string;
  gcGrace: string;
  gcInterval: string;
  metricsAddress: string;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  installCrds: boolean;
  priceMultipliers?: string;
  webhookAddress?: string;
  webhookUrl?: string;
  webhookService?: string;
  webhookFailurePolicy: string;
  webhookCertDir?: string;
  webhookTimeout: string;
}

/** A flag with a value, also read from its environment variable (commander shows it in --help). */
const flag = (spelling: string, help: string, env: string, fallback?: string) => {
  const option = new Option(spelling, help).env(env);
  return fallback === undefined ? option : option.default(fallback);
};

/**
 * A boolean flag's variable holds true or false (commander would take any
 * value, even "false", for true).
 */
function envBoolean(command: Command, key: string, env: string): boolean | undefined {
  if (command.getOptionValueSource(key) !== 'env') return undefined;
  const value = (process.env[env] ?? '').trim().toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no', ''].includes(value)) return false;
  throw new InputError(`expected true or false, got "${process.env[env]}"`, { field: `$${env}` });
}

export function register(program: Command): void {
  const command = program
    .command('run')
    .description(
      'run the controller: watch berth pods, buy each a node of its own, bind, and tear down when done',
    )
    .addOption(
      flag(
        '--kubeconfig <path>',
        'kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config, else the in-cluster service account)',
        'BERTH_KUBECONFIG',
      ),
    )
    .addOption(
      flag(
        '--provider <name>',
        `where machines come from, no default (${CLOUD_KITS.map((k) => k.summary).join('; ')}; local: a simulation that registers fake Nodes for kwok, for a local cluster only)`,
        'BERTH_PROVIDER',
      ).choices([...PROVIDER_NAMES]),
    )
    .addOption(
      flag('--cloud <cloud>', 'cloud whose offerings to buy', 'BERTH_CLOUD', 'aws').choices([...CLOUDS]),
    )
    .addOption(flag('--region <region>', 'region whose offerings to buy', 'BERTH_REGION', 'us-east-1'))
    .addOption(
      flag(
        '--scheduler-name <name>',
        'pods with this spec.schedulerName are ours',
        'BERTH_SCHEDULER_NAME',
        'berth',
      ),
    )
    .addOption(
      flag(
        '--default-policy <preset>',
        'policy for pods with no annotation and no namespace default',
        'BERTH_DEFAULT_POLICY',
        'default',
      ),
    )
    .addOption(flag('--concurrency <n>', 'pods reconciled at once', 'BERTH_CONCURRENCY', '32'))
    .addOption(
      flag(
        '--boot-delay <seconds>',
        'local provider: seconds a machine takes to boot',
        'BERTH_BOOT_DELAY',
        '0',
      ),
    )
    .addOption(
      flag(
        '--ready-timeout <seconds>',
        'replace a node not Ready this long after launch',
        'BERTH_READY_TIMEOUT',
        '300',
      ),
    )
    .addOption(
      flag(
        '--unavailable-for <seconds>',
        'skip an offering this long after a capacity error',
        'BERTH_UNAVAILABLE_FOR',
        '180',
      ),
    )
    .addOption(
      flag(
        '--gc-grace <seconds>',
        'collect a machine or node no Berth claims once it is this old (a stray of a crashed batched launch costs at most this long)',
        'BERTH_GC_GRACE',
        '60',
      ),
    )
    .addOption(
      flag(
        '--gc-interval <seconds>',
        'look for unclaimed machines and nodes this often',
        'BERTH_GC_INTERVAL',
        '60',
      ),
    )
    .addOption(
      flag(
        '--metrics-address <host:port>',
        'serve /metrics, /healthz and /readyz here',
        'BERTH_METRICS_ADDRESS',
        '127.0.0.1:8080',
      ),
    )
    .addOption(
      new Option(
        '--no-leader-elect',
        'act at once instead of competing for the lease (single replica only; the variable holds true or false)',
      ).env('BERTH_LEADER_ELECT'),
    )
    .addOption(
      new Option(
        '--install-crds',
        'apply the Berth and PlacementPolicy CRDs first (the Helm chart installs them otherwise)',
      ).env('BERTH_INSTALL_CRDS'),
    )
    .addOption(
      flag(
        '--lease-namespace <ns>',
        'namespace of the leader-election Lease',
        'BERTH_LEASE_NAMESPACE',
        'berth-system',
      ),
    )
    .addOption(
      flag(
        '--lease-name <name>',
        'name of the leader-election Lease',
        'BERTH_LEASE_NAME',
        'berth-controller',
      ),
    )
    .addOption(
      new Option(
        '--live-prices',
        `fetch live prices for --cloud (${CLOUD_KITS.map((k) => k.liveSources).join('; ')}) instead of only the embedded catalog`,
      ).env('BERTH_LIVE_PRICES'),
    )
    .addOption(
      flag(
        '--price-multipliers <json|@file>',
        'negotiated discounts, e.g. \'{"capacityType":{"on-demand":0.8},"family":{"m7i":0.7}}\' (or @path to a JSON file)',
        'BERTH_PRICE_MULTIPLIERS',
      ),
    )
    .addOption(
      flag(
        '--price-refresh <seconds>',
        'with --live-prices: between fetches',
        'BERTH_PRICE_REFRESH',
        '43200',
      ),
    )
    .addOption(
      flag(
        '--ledger-retention <days>',
        'per-pod cost intervals older than this are rolled up into daily per-namespace rows (0: keep every interval)',
        'BERTH_LEDGER_RETENTION',
        '90',
      ),
    )
    .addOption(
      flag(
        '--webhook-address <host:port>',
        'serve the admission webhook (opt-in by the berth.dev/enabled label) over TLS here; off unless set',
        'BERTH_WEBHOOK_ADDRESS',
      ),
    )
    .addOption(
      flag(
        '--webhook-url <url>',
        'how the API server reaches the webhook (default: https://<webhook address>)',
        'BERTH_WEBHOOK_URL',
      ),
    )
    .addOption(
      flag(
        '--webhook-service <namespace/name:port>',
        'reach the webhook through this Service instead of a URL (in the cluster)',
        'BERTH_WEBHOOK_SERVICE',
      ),
    )
    .addOption(
      flag(
        '--webhook-failure-policy <policy>',
        'when berth does not answer: Ignore admits the pod unchanged (the default scheduler runs it), Fail refuses it',
        'BERTH_WEBHOOK_FAILURE_POLICY',
        'Ignore',
      ).choices([...FAILURE_POLICIES]),
    )
    .addOption(
      flag(
        '--webhook-timeout <seconds>',
        'how long the API server waits for the webhook before the failure policy applies (1-30)',
        'BERTH_WEBHOOK_TIMEOUT',
        '5',
      ),
    )
    .addOption(
      flag(
        '--webhook-cert-dir <dir>',
        'serve tls.crt and tls.key from here (cert-manager); with ca.crt beside them berth keeps the webhook configuration at that CA, without it leaves the configuration to the installer; default: make a certificate at start and keep the configuration current (one replica only)',
        'BERTH_WEBHOOK_CERT_DIR',
      ),
    )
    .addHelpText(
      'after',
      [
        '',
        'Every flag can also be set by the environment variable shown in its help (env: BERTH_...);',
        'a flag on the command line wins. Boolean variables hold true or false.',
        '',
        'Environment:',
        '  BERTH_LOG_LEVEL   how much to log: trace, debug, info (default), warn, error, silent',
        '  BERTH_DEBUG=1     print the stack trace of an error, not only its message',
        '',
        'Example: berth run --provider local --kubeconfig "$(berth cluster up)" --no-leader-elect',
      ].join('\n'),
    );
  addLedgerFlags(command);
  addCloudFlags(command).action(async (flags: RunFlags) => {
    flags.leaderElect = envBoolean(command, 'leaderElect', 'BERTH_LEADER_ELECT') ?? flags.leaderElect;
    flags.installCrds = envBoolean(command, 'installCrds', 'BERTH_INSTALL_CRDS') ?? flags.installCrds;
    flags.livePrices = envBoolean(command, 'livePrices', 'BERTH_LIVE_PRICES') ?? flags.livePrices;
    const { kubeConfig: kc, source } = loadKubeConfig(flags.kubeconfig);
    const [host, port] = parseAddress(flags.metricsAddress);
    const cluster = kc.getCurrentCluster();
    if (flags.provider === undefined) {
      // No default: the local simulation would register fake Nodes in a real cluster.
      throw new InputError(
        `say where machines come from: --provider ${CLOUD_KITS.map((k) => k.cloud).join('|')} (${CLOUD_KITS.map((k) => k.summary).join('; ')}) or --provider local (a simulation for a local cluster: it registers fake Nodes)`,
        { field: '--provider' },
      );
    }
    // A cloud's provider is configured by its kit; its region (e.g. --aws-region) wins over --region.
    const machines =
      flags.provider === 'local'
        ? undefined
        : kitFor(flags.provider, '--provider').provider(flags, {
            region: flags.region,
            ...(cluster?.server ? { kubeServer: cluster.server } : {}),
            ...(cluster?.caData ? { kubeCaData: cluster.caData } : {}),
          });
    const region = machines?.region ?? flags.region;
    const liveKit = flags.livePrices ? kitFor(flags.cloud, '--live-prices') : undefined;
    const multipliers = parsePriceMultipliersFlag(flags.priceMultipliers);
    // Every flag is checked before the cluster is asked anything.
    const timing = {
      concurrency: positive(flags.concurrency, '--concurrency'),
      bootDelayMs: seconds(flags.bootDelay, '--boot-delay'),
      readyTimeoutMs: seconds(flags.readyTimeout, '--ready-timeout'),
      unavailableTtlMs: seconds(flags.unavailableFor, '--unavailable-for'),
      gcGraceMs: seconds(flags.gcGrace, '--gc-grace'),
      gcIntervalMs: Math.max(1_000, seconds(flags.gcInterval, '--gc-interval')),
    };
    const refreshMs = seconds(flags.priceRefresh, '--price-refresh');
    const ledgerAt = ledgerLocationFromFlags(flags);
    const retentionMs = seconds(flags.ledgerRetention, '--ledger-retention') * 86_400;
    const webhook = webhookFromFlags(flags);
    // The informers and the elector retry forever by design; a person's mistake must not wait on them.
    await preflight({
      kubeConfig: kc,
      kubeconfigSource: source,
      leaderElection: flags.leaderElect ? { namespace: flags.leaseNamespace, name: flags.leaseName } : false,
      crds: !flags.installCrds,
    });
    // Loaded once the checks pass: the runtime and the AWS SDK take seconds to load, the checks must not wait on them.
    const [{ startRuntime }, { installCrds }] = await Promise.all([
      import('../runtime/runtime.ts'),
      import('../kube/crds.ts'),
    ]);
    const setup = await machines?.setup();
    const adapter = await liveKit?.pricing({ region, flags, multipliers });
    if (flags.installCrds) await installCrds(kc);
    const [{ openLedger }, { describeLedger }] = await Promise.all([
      import('../cost/open-ledger.ts'),
      import('../cost/ledger-location.ts'),
    ]);
    const ledger = await openLedger(ledgerAt);
    const runtime = await startRuntime({
      ledger,
      ...(retentionMs > 0 ? { ledgerRetentionMs: retentionMs } : {}),
      kubeConfig: kc,
      provider: setup ?? 'local',
      ...(adapter ? { livePrices: { adapter, intervalMs: refreshMs } } : {}),
      cloud: flags.cloud as Cloud,
      region,
      multipliers,
      schedulerName: flags.schedulerName,
      defaultPolicy: flags.defaultPolicy,
      ...timing,
      leaderElection: flags.leaderElect ? { namespace: flags.leaseNamespace, name: flags.leaseName } : false,
      http: { host, port },
      ...(webhook ? { webhook } : {}),
    }).catch(async (err: unknown) => {
      await ledger.close();
      throw err;
    });
    runtime.log.info(
      {
        metrics: `http://${runtime.httpAddress ?? `${host}:${port}`}/metrics`,
        ledger: describeLedger(ledgerAt),
      },
      'berth running',
    );
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    await runtime.stop();
    await ledger.close();
  });
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
