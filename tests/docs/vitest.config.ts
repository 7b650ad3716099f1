import { defineConfig } from 'vitest/config';

// The examples run against the built packages (dist), as a user's project would, never from source.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
