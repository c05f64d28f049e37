import type { Command } from 'commander';
import { formatElapsed } from '../local-cluster/build.ts';
import { clusterStatus, readState, startCluster, stopCluster } from '../local-cluster/cluster.ts';
import { StateFileUnreadableError } from '../local-cluster/state-file.ts';
import { InputError } from '../model/index.ts';
import { formatTable, parseOutputFormat, printJson } from './output.ts';

/** Progress on one line in a terminal; one line per step in a log. */
export function progressPrinter(): (message: string) => void {
  const tty = process.stderr.isTTY;
  return (message) => {
    process.stderr.write(tty ? `\r\x1b[2K${message}` : `${message}\n`);
    if (tty && !message.includes(':')) process.stderr.write('\n');
  };
}

export function register(program: Command): void {
  const cluster = program
    .command('cluster')
    .description(
      'a real local control plane (etcd, kube-apiserver, kube-scheduler, kube-controller-manager, kwok)',
    );

  cluster
    .command('up')
    .description(
      'build the binaries on first use, start the control plane on loopback, print the kubeconfig path',
    )
    .option('--name <name>', 'cluster name (several can run side by side)', 'berth')
    .option('-o, --output <format>', 'path (the kubeconfig path alone) or json', 'path')
    .action(async (opts: { name: string; output: string }) => {
      if (opts.output !== 'path' && opts.output !== 'json') {
        throw new InputError(`expected "path" or "json", got "${opts.output}"`, { field: '--output' });
      }
      const started = Date.now();
      const state = await startCluster({ name: opts.name, progress: progressPrinter() });
      process.stderr.write(`\ncluster "${state.name}" ready in ${formatElapsed(Date.now() - started)}\n`);
      process.stderr.write(`  kubectl --kubeconfig ${state.kubeconfig} get --raw /readyz\n`);
      if (opts.output === 'json')
        printJson({ name: state.name, kubeconfig: state.kubeconfig, server: state.server });
      else process.stdout.write(`${state.kubeconfig}\n`);
    });

  cluster
    .command('down')
    .description('stop every process the cluster started and remove its state')
    .option('--name <name>', 'cluster name', 'berth')
    .action(async (opts: { name: string }) => {
      const state = await readState(opts.name);
      if (!state) {
        process.stderr.write(`cluster "${opts.name}" is not running\n`);
        return;
      }
      await stopCluster(state);
      process.stderr.write(`cluster "${opts.name}" stopped (${state.processes.length} processes)\n`);
    });

  cluster
    .command('status')
    .description('show each component, its PID and health, and the kubeconfig path')
    .option('--name <name>', 'cluster name', 'berth')
    .option('-o, --output <format>', 'table or json', 'table')
    .action(async (opts: { name: string; output: string }) => {
      const format = parseOutputFormat(opts.output);
      let state: Awaited<ReturnType<typeof readState>>;
      try {
        state = await readState(opts.name);
      } catch (err) {
        if (!(err instanceof StateFileUnreadableError) || format !== 'json') throw err;
        printJson({
          name: opts.name,
          running: 'unknown',
          stateFile: err.file,
          error: err.why,
          processes: err.named,
        });
        process.exitCode = 1;
        return;
      }
      if (!state) {
        if (format === 'json') printJson({ name: opts.name, running: false });
        else process.stdout.write(`cluster "${opts.name}" is not running; start it with: berth cluster up\n`);
        process.exitCode = 1;
        return;
      }
      const components = await clusterStatus(state);
      const healthy = components.every((c) => c.healthy);
      if (format === 'json') {
        printJson({
          name: state.name,
          running: true,
          healthy,
          kubeconfig: state.kubeconfig,
          server: state.server,
          components,
        });
      } else {
        process.stdout.write(`cluster:    ${state.name} (${healthy ? 'healthy' : 'DEGRADED'})\n`);
        process.stdout.write(`server:     ${state.server}\nkubeconfig: ${state.kubeconfig}\n\n`);
        const rows = components.map((c) => [
          c.component,
          String(c.pid),
          c.running ? (c.healthy ? 'healthy' : 'unhealthy') : 'stopped',
          c.log,
        ]);
        process.stdout.write(`${formatTable(['COMPONENT', 'PID', 'STATE', 'LOG'], rows)}\n`);
      }
      if (!healthy) process.exitCode = 1;
    });
}
