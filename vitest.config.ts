// Test runner settings: the suite runs real servers and child processes on a 2-core machine, often
// next to other work, so a test may take seconds; waits inside tests carry their own deadlines.
// One throwaway PostgreSQL serves the whole run (test/helpers/global-setup.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Most files wait on real servers, polls and child processes rather than compute (a run used
    // ~0.8 of 2 cores with one worker), so two files at a time finish it in about two thirds of the
    // time without starving each other. Nothing in the suite asserts wall-clock gaps.
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 30_000,
    globalSetup: ['test/helpers/global-setup.ts'],
  },
});
