import { findSecretValue, MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { AccessDeniedError, SecretManager } from '../src/index.js';
import { GatedProvider } from './support.js';

const WRITTEN = 'written-value-5e1d7b';
const SERVED = 'served-value-93c2aa';

/** An SDK-style error that echoes the request body, in its message, stack, cause and properties. */
function echo(value: string): Error {
  const body = JSON.stringify({ value });
  const error = new Error(`400 Bad Request ${body}`) as Error & Record<string, unknown>;
  error.request = { body };
  error.cause = new Error(`while sending ${body}`);
  return error;
}

async function failure(work: () => Promise<unknown>): Promise<unknown> {
  return work().then(
    () => expect.fail('the operation should have failed'),
    (error: unknown) => error,
  );
}

describe('no value leaves the manager in an error', () => {
  it('setSecret: the value being written is masked everywhere in the error', async () => {
    const provider = new GatedProvider();
    provider.setError = (_key, value) => echo(value);
    const manager = new SecretManager({ providers: [provider] });
    const error = await failure(() => manager.setSecret('k', WRITTEN));
    expect(findSecretValue(error, WRITTEN)).toEqual([]);
    expect(String((error as Error).stack)).not.toContain(WRITTEN);
  });

  it('rotateSecret: a generated value the caller never saw is masked', async () => {
    const provider = new GatedProvider();
    provider.values.set('k', { value: 'current-value', version: 1 });
    let generated = '';
    provider.setError = (_key, value) => {
      generated = value;
      return echo(value);
    };
    const manager = new SecretManager({ providers: [provider] });
    const error = await failure(() => manager.rotateSecret('k'));
    expect(generated.length).toBeGreaterThan(8);
    expect(findSecretValue(error, generated)).toEqual([]);
  });

  it('a definitive read error (access denied) is masked with the values already served', async () => {
    const provider = new MemoryProvider({ secrets: { served: SERVED, other: 'x-other-value' } });
    const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
    await manager.getSecret('served');
    provider.get = async () => {
      throw new AccessDeniedError(`denied: policy shows ${SERVED}`);
    };
    const error = await failure(() => manager.getSecret('other'));
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(findSecretValue(error, SERVED)).toEqual([]);
  });

  it('delete, rollback and list errors are masked with served values', async () => {
    const provider = new MemoryProvider({ secrets: { served: SERVED } });
    const manager = new SecretManager({ providers: [provider], cache: { enabled: false } });
    await manager.getSecret('served');
    provider.delete = async () => {
      throw echo(SERVED);
    };
    provider.list = async () => {
      throw echo(SERVED);
    };
    provider.listVersions = async () => {
      throw echo(SERVED);
    };
    for (const work of [
      () => manager.deleteSecret('served'),
      () => manager.listSecrets(),
      () => manager.getSecretVersions('served'),
    ])
      expect(findSecretValue(await failure(work), SERVED)).toEqual([]);
  });
});
