import { defineProject } from '../../vitest.shared';

export default defineProject({
  test: {
    // The AWS SDK warns once per process that Node 20 leaves its support window; the warning is noise in tests.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
