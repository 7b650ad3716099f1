import { defineConfig } from 'vitest/config';

// The examples run against the built packages (dist), as a user's project would, never from source.
// One file at a time and one example at a time, with room to spare on a loaded 2-core machine: an
// example's own run is cut at 300 s (src/run.ts), compiling every example at once takes a while.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 360_000,
    hookTimeout: 600_000,
  },
});
