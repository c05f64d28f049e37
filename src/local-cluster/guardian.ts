/**
 * Runs detached beside a test run: once the owning process is gone, it stops
 * the cluster by the PIDs recorded in its state and exits. It also exits when
 * the cluster is torn down normally (its state disappears).
 */
import { readState, stopCluster } from './cluster.ts';
import { pidAlive, sleep } from './processes.ts';

const [ownerArg, name] = process.argv.slice(2);
const owner = Number(ownerArg);

if (!Number.isInteger(owner) || !name) process.exit(2);
for (;;) {
  await sleep(500);
  // A state file caught unreadable is looked at again next round, never taken for a cluster that is gone.
  const state = await readState(name).catch(() => 'unreadable' as const);
  if (state === 'unreadable') continue;
  if (!state || state.ownerPid !== owner) process.exit(0);
  if (!pidAlive(owner)) {
    await stopCluster(state).catch(() => {});
    process.exit(0);
  }
}
