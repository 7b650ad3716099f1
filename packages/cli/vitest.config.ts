import { defineProject } from '../../vitest.shared.ts';

// `pnpm test` runs the reliability suite too, with its short budget (see reliability/harness.ts).
export default defineProject({
  test: {
    globalSetup: ['test/global-setup.ts'],
    include: ['test/**/*.test.ts', 'reliability/**/*.test.ts'],
  },
});
