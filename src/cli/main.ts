import { Command } from 'commander';
import * as catalog from './catalog.ts';
import * as cluster from './cluster.ts';
import * as demo from './demo.ts';
import * as policy from './policy.ts';
import * as quote from './quote.ts';
import * as run from './run.ts';
import { reportError } from './output.ts';

// A closed pipe (`berth ... | head`) is a normal end, not a crash.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('berth')
  .description('Just-in-time, right-sized, dedicated nodes for Kubernetes pods at the cheapest allowed price')
  .showHelpAfterError()
  .exitOverride();

// Each command lives in its own module and adds itself to the program.
const commands: ((program: Command) => void)[] = [
  catalog.register,
  cluster.register,
  run.register,
  demo.register,
  policy.register,
  quote.register,
];
for (const register of commands) register(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof Error && 'exitCode' in err && typeof err.exitCode === 'number' && 'code' in err) {
    process.exitCode = err.exitCode; // commander already printed help or the usage error
  } else {
    process.exitCode = reportError(err);
  }
}
