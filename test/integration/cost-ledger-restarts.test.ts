/**
 * The ledger across a crash: a real `berth run` process writing to a SQLite
 * ledger is SIGKILLed while its machines run; some pods finish while it is
 * down, the rest after a new process has started. Every machine's interval
 * is then in the ledger exactly once, from the Berth's launch to the pod's
 * end, whoever was running when it ended.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openLedger } from '../../src/cost/open-ledger.ts';
import type { CostLedger } from '../../src/model/index.ts';
import { type BerthProcess, spawnBerth } from '../chaos/berth-process.ts';
import { berthPod, core, ensureCrds, getBerth, uniq, waitBerth, waitPod } from './berth-harness.ts';
import { freshNamespace, waitFor } from './helpers.ts';
import { inject } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'berth-ledger-restart-'));
const started: BerthProcess[] = [];
afterAll(async () => {
  for (const p of started) await p.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** When the pod's last container ended, as kwok reported it. */
function finishedAt(pod: Awaited<ReturnType<typeof waitPod>>): string {
  const times = (pod.status?.containerStatuses ?? []).map((c) =>
    Date.parse(String(c.state?.terminated?.finishedAt)),
  );
  return new Date(Math.max(...times)).toISOString();
}

describe('cost ledger: a controller killed while its machines run', () => {
  it('records every interval once, opened at launch and closed at the pod end, across a SIGKILL', async () => {
    await ensureCrds();
    const scheduler = uniq('ledger-kill');
    const ns = await freshNamespace(core, 'ledger-kill');
    const ledgerPath = join(dir, 'ledger.db');
    const args = [
      '--kubeconfig',
      inject('kubeconfig'),
      '--provider',
      'local',
      '--scheduler-name',
      scheduler,
      '--metrics-address',
      '127.0.0.1:0',
      '--no-leader-elect',
      '--ledger',
      ledgerPath,
    ];
    const start = (n: number) => {
      const p = spawnBerth(args, join(dir, `berth-${n}.log`));
      started.push(p);
      return p;
    };
    const first = start(1);
    expect(await first.acting(90_000)).toBe(true);

    // Short pods end while no controller runs; long ones after the restart.
    const pods = [
      { name: 'short-1', completeAfter: '8s' },
      { name: 'short-2', completeAfter: '8s' },
      { name: 'long-1', completeAfter: '40s' },
      { name: 'long-2', completeAfter: '40s' },
    ];
    for (const p of pods) {
      await core.createNamespacedPod({
        namespace: ns,
        body: berthPod(p.name, {
          completeAfter: p.completeAfter,
          schedulerName: scheduler,
          labels: { team: 'ci' },
        }),
      });
    }
    const launchedAt = new Map<string, string>();
    for (const p of pods) {
      const bound = await waitBerth(ns, p.name, 'Bound', (b) => b.status?.phase === 'Bound', 90_000);
      launchedAt.set(bound.spec.pod.uid, bound.status!.timestamps!.Launching!);
    }

    // Every running machine is in the ledger already, open, from its launch.
    const reader: CostLedger = await openLedger({ kind: 'sqlite', path: ledgerPath });
    try {
      const running = await reader.list({ namespace: ns });
      expect(running.map((i) => [i.pod.uid, i.start, i.end]).sort()).toEqual(
        [...launchedAt].map(([uid, at]) => [uid, at, undefined]).sort(),
      );
    } finally {
      await reader.close();
    }

    await first.kill();
    for (const p of pods.filter((x) => x.name.startsWith('short'))) {
      await waitPod(
        ns,
        p.name,
        'Succeeded while no controller runs',
        (x) => x.status?.phase === 'Succeeded',
        90_000,
      );
    }
    const second = start(2);
    expect(await second.acting(90_000)).toBe(true);

    const ended = new Map<string, string>();
    for (const p of pods) {
      const pod = await waitPod(ns, p.name, 'Succeeded', (x) => x.status?.phase === 'Succeeded', 120_000);
      ended.set(pod.metadata!.uid!, finishedAt(pod));
      await waitBerth(ns, p.name, 'Terminated', (b) => b.status?.phase === 'Terminated', 90_000);
    }
    await second.kill();

    const after = await openLedger({ kind: 'sqlite', path: ledgerPath });
    try {
      const intervals = await after.list({ namespace: ns });
      expect(intervals).toHaveLength(pods.length);
      for (const i of intervals) {
        expect(i.start).toBe(launchedAt.get(i.pod.uid));
        expect(i.end).toBe(ended.get(i.pod.uid));
        expect(i.reason).toBe('PodSucceeded');
        expect(i.labels).toEqual({ team: 'ci' });
        expect(i.pricePerHour).toBeGreaterThan(0);
      }
      // The Berths agree on the launch times.
      for (const p of pods) {
        const b = await getBerth(ns, p.name);
        expect(launchedAt.get(b!.spec.pod.uid)).toBe(b!.status?.timestamps?.Launching);
      }
    } finally {
      await after.close();
    }
    await waitFor('no berth run left', async () => (started.every((p) => !p.alive) ? true : undefined));
  }, 400_000);
});
