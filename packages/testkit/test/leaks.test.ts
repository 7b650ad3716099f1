import { findSecretValue } from '@hush/testkit';
import { describe, expect, it } from 'vitest';

describe('findSecretValue', () => {
  it('finds a value in the message, the cause chain, hidden properties and bytes', () => {
    const planted = 'sk_live_PLANTED';
    const error = new Error('request failed', { cause: { request: { body: `{"value":"${planted}"}` } } });
    Object.defineProperty(error, 'hidden', { value: Buffer.from(planted), enumerable: false });
    expect(findSecretValue(error, planted).sort()).toEqual(['error.cause.request.body', 'error.hidden']);
  });

  it('says nothing for a clean error and survives cycles', () => {
    const error = new Error('secret not found') as Error & { self?: unknown };
    error.self = error;
    expect(findSecretValue(error, 'sk_live_PLANTED')).toEqual([]);
  });
});
