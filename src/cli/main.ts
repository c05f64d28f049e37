import { Command } from 'commander';
import { packageVersion, reportError } from './output.ts';
import { sandboxCommand } from './sandbox.ts';

// A closed pipe (`berth ... | head`) is a normal end, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('berth')
  .description('Just-in-time, right-sized, dedicated nodes for Kubernetes pods at the cheapest allowed price')
  .version(packageVersion(), '-V, --version', 'print the version of berth')
  .showHelpAfterError()
  .exitOverride();

// Each command lives in its own module and adds itself to the program. Only
// the command being run is loaded (all of them for help), so `berth run` does
// not carry the quote and demo code in its memory. The sandbox commands are
// not in the product build (dist/, the image): see sandbox.ts.
const commands = {
  catalog: () => import('./catalog.ts'),
  cluster: () => sandboxCommand('cluster'),
  run: () => import('./run.ts'),
  demo: () => sandboxCommand('demo'),
  policy: () => import('./policy.ts'),
  quote: () => import('./quote.ts'),
  report: () => import('./report.ts'),
};
const wanted = process.argv[2];
// Own keys only: `berth toString` is an unknown command, not the object's prototype.
const names =
  wanted !== undefined && Object.hasOwn(commands, wanted)
    ? [wanted as keyof typeof commands]
    : Object.keys(commands);
for (const name of names) (await commands[name as keyof typeof commands]()).register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' && 'code' in err) {
    process.exitCode = err.exitCode; // commander already printed help or the usage error
  } else {
    process.exitCode = reportError(err);
    // Reported is ended: a handle something left open must not keep a failed `berth run` alive.
    setTimeout(() => process.exit(), 3_000).unref();
  }
}
