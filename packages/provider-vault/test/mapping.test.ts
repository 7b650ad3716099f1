import { describe, expect, it } from 'vitest';
import { readCustomMetadata, writeCustomMetadata } from '../src/custom-metadata.js';
import { cleanVaultError, dataToValue, kvPaths, toFailure, toVersions } from '../src/mapping.js';
import { parseVaultTime } from '../src/time.js';

describe('KV mapping', () => {
  it('builds paths under the mount and the prefix', () => {
    const paths = kvPaths('/kv/', 'apps/web/');
    expect(paths.data('db/url')).toBe('kv/data/apps/web/db/url');
    expect(paths.metadata('db/url')).toBe('kv/metadata/apps/web/db/url');
    expect(paths.folder('')).toBe('kv/metadata/apps/web/');
    expect(kvPaths('secret', '').folder('a/')).toBe('secret/metadata/a/');
  });

  it('reads { value } as the string and any other map as JSON', () => {
    expect(dataToValue({ value: 'x' })).toBe('x');
    expect(dataToValue({ value: '' })).toBe('');
    expect(dataToValue({ value: 1 })).toBe('{"value":1}');
    expect(JSON.parse(dataToValue({ url: 'u', port: '5' }))).toEqual({ url: 'u', port: '5' });
    expect(dataToValue({ value: 'x', other: 'y' })).toBe('{"value":"x","other":"y"}');
  });

  it('parses Vault times with nanoseconds', () => {
    expect(parseVaultTime('2018-03-22T02:24:06.945319214Z')?.toISOString()).toBe('2018-03-22T02:24:06.945Z');
    expect(parseVaultTime('')).toBeUndefined();
  });

  it('keeps tags, metadata, scope and per-version expiry apart in custom_metadata', () => {
    const first = writeCustomMetadata(null, 1, {
      tags: { env: 'prod' },
      metadata: { owner: 'a' },
      scope: 'global',
      expiresAt: new Date('2030-01-01T00:00:00Z'),
    });
    expect(first).toEqual({
      env: 'prod',
      'hush.meta.owner': 'a',
      'hush.scope': 'global',
      'hush.expires-at.1': '2030-01-01T00:00:00.000Z',
    });
    const second = writeCustomMetadata(first, 2, { tags: { env: 'dev' } });
    expect(second).toMatchObject({
      env: 'dev',
      'hush.meta.owner': 'a',
      'hush.expires-at.1': '2030-01-01T00:00:00.000Z',
    });
    expect(readCustomMetadata(second, 1).expiresAt?.getUTCFullYear()).toBe(2030);
    expect(readCustomMetadata(second, 2)).toEqual({
      tags: { env: 'dev' },
      metadata: { owner: 'a' },
      scope: 'global',
    });
    // Expiry keys of versions long gone are dropped.
    expect(Object.keys(writeCustomMetadata(first, 20, {}))).not.toContain('hush.expires-at.1');
  });

  it('lists versions newest first with their state', () => {
    const versions = toVersions({
      current_version: 3,
      versions: {
        '1': { created_time: '2024-01-01T00:00:00Z', deletion_time: '', destroyed: true },
        '2': {
          created_time: '2024-01-02T00:00:00Z',
          deletion_time: '2024-01-03T00:00:00Z',
          destroyed: false,
        },
        '3': {
          created_time: '2024-01-04T00:00:00Z',
          deletion_time: '2999-01-01T00:00:00Z',
          destroyed: false,
        },
      },
    });
    expect(versions.map((v) => [v.version, v.state, v.current])).toEqual([
      ['3', 'enabled', true],
      ['2', 'deleted', false],
      ['1', 'destroyed', false],
    ]);
  });

  it('keeps only status, Vault messages and network codes from failures', () => {
    const http = toFailure({
      message: 'x',
      response: { statusCode: 403, body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] } },
    });
    expect([http.status, http.message, http.transient]).toEqual([403, 'permission denied', false]);
    const network = toFailure({
      code: 'ECONNREFUSED',
      message: 'connect ECONNREFUSED 127.0.0.1:1',
      config: { data: 'secret' },
    });
    expect([network.status, network.code, network.transient]).toEqual([undefined, 'ECONNREFUSED', true]);
    expect(JSON.stringify(network)).not.toContain('secret');
    expect(toFailure({ response: { statusCode: 503, body: {} } }).transient).toBe(true);
    expect(toFailure({ response: { statusCode: 429, body: {} } }).transient).toBe(true);
    expect(cleanVaultError('2 errors occurred:\n\t* a\n\t* b\n\n')).toBe('a; b');
  });
});
