import { defineProject } from '../../vitest.shared.ts';

// The reliability suite (reliability/harness.ts): run after the unit tests, one file at a time,
// since each file starts many processes (strace kills, concurrent writers, fuzzing).
const config = defineProject({
  test: { globalSetup: ['test/global-setup.ts'], fileParallelism: false },
});
// Its own files only (merging the shared config would add the unit tests' pattern).
config.test!.include = ['reliability/**/*.test.ts'];
export default config;
