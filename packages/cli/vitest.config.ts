import { defineProject } from '../../vitest.shared.ts';

export default defineProject({ test: { globalSetup: ['test/global-setup.ts'] } });
