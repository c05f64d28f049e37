import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          // Some start the CLI as a process, which takes seconds on a busy machine.
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // One real control plane for every integration test file.
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 600_000,
        },
      },
      {
        test: {
          name: 'chaos',
          include: ['test/chaos/**/*.test.ts'],
          // Its own control plane, whose API server it kills: after the others, so none of them
          // shares the CPU with it or sees its outage. Short by default; BERTH_CHAOS=full is the long run.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          // Each scenario stops by itself well within this.
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
