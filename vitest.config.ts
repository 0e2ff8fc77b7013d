import { defineConfig } from 'vitest/config';

// Model tests are CPU-bound on a 2-core machine: one file at a time, in forks
// (node-llama-cpp's native addon is not worker_threads-friendly).
export default defineConfig({
  test: {
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
  },
});
