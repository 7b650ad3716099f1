import { defineProject } from '../../vitest.shared';

export default defineProject({
  test: {
    // Two test files share one Redis: their keys are apart (a prefix per test), their timing is not.
    fileParallelism: false,
  },
});
