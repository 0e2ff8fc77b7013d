import { defineConfig } from 'vitest/config';

// Three files at a time on a 2-core machine. Every model test runs llama with threads: 1, and most
// files spend their time waiting on Redis, PostgreSQL, HTTP and child processes, so overlapping
// them keeps both cores busy (one file at a time left them idle: ~16 min for 86 files). Forks,
// because node-llama-cpp's native addon is not worker_threads-friendly.
export default defineConfig({
  test: {
    pool: 'forks',
    maxWorkers: 3,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    include: ['test/**/*.test.ts'],
  },
});
