import { defineProject } from '../../vitest.shared.ts';

// Each example runs in a child process of its own; one file at a time keeps the machine free.
export default defineProject({ test: { testTimeout: 120_000, hookTimeout: 60_000 } });
