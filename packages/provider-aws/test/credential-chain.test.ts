import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsSecretsManagerEmulator } from '@hush/emulators';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import plugin, { AwsSecretsManagerProvider } from '../src/index.js';
import { startEmulator } from './helpers.js';

// Only `endpoint` is given: region and credentials come from the SDK's default chain.
describe("the SDK's default credential chain", () => {
  let emulator: AwsSecretsManagerEmulator;
  beforeAll(async () => {
    emulator = await startEmulator();
  });
  afterAll(async () => emulator.stop());
  afterEach(() => vi.unstubAllEnvs());

  function clearAwsEnv(): void {
    for (const name of Object.keys(process.env))
      if (name.startsWith('AWS_') && name !== 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED')
        vi.stubEnv(name, undefined);
  }

  it('reads AWS_REGION and the keys from the process environment', async () => {
    clearAwsEnv();
    vi.stubEnv('AWS_REGION', emulator.region);
    vi.stubEnv('AWS_ACCESS_KEY_ID', emulator.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', emulator.secretAccessKey);
    const provider = new AwsSecretsManagerProvider({ endpoint: emulator.url });
    try {
      await provider.set('chain/env', 'from-env');
      expect((await provider.get('chain/env'))?.value).toBe('from-env');
    } finally {
      await provider.dispose();
    }
  });

  it('reads a named profile from the shared credentials file', async () => {
    clearAwsEnv();
    const dir = mkdtempSync(join(tmpdir(), 'hush-aws-profile-'));
    writeFileSync(
      join(dir, 'credentials'),
      `[hush-test]\naws_access_key_id = ${emulator.accessKeyId}\naws_secret_access_key = ${emulator.secretAccessKey}\n`,
    );
    writeFileSync(join(dir, 'config'), `[profile hush-test]\nregion = ${emulator.region}\n`);
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
    vi.stubEnv('AWS_CONFIG_FILE', join(dir, 'config'));
    vi.stubEnv('AWS_PROFILE', 'hush-test');
    const provider = new AwsSecretsManagerProvider({ endpoint: emulator.url });
    try {
      await provider.set('chain/profile', 'from-profile');
      expect((await provider.get('chain/profile'))?.value).toBe('from-profile');
    } finally {
      await provider.dispose();
    }
  });

  it("takes AWS_PROFILE from the plugin context's environment", async () => {
    clearAwsEnv();
    const dir = mkdtempSync(join(tmpdir(), 'hush-aws-profile-'));
    writeFileSync(
      join(dir, 'credentials'),
      `[ctx]\naws_access_key_id = ${emulator.accessKeyId}\naws_secret_access_key = ${emulator.secretAccessKey}\n`,
    );
    vi.stubEnv('AWS_SHARED_CREDENTIALS_FILE', join(dir, 'credentials'));
    const created = await plugin.create(
      { endpoint: emulator.url },
      { name: 'aws-ctx', root: dir, env: { AWS_PROFILE: 'ctx', AWS_REGION: emulator.region } },
    );
    try {
      await created.set!('chain/context', 'from-context-profile');
      expect((await created.get('chain/context'))?.value).toBe('from-context-profile');
    } finally {
      await created.dispose?.();
    }
  });
});
