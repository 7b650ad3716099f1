import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '@hush/core';
import { describe, expect, it } from 'vitest';
import { auditFromConfig } from '../src/index.js';
import { event, tempDir } from './helpers.js';

describe('auditFromConfig (the audit: section of hush.config.yaml)', () => {
  it('opens the SQLite file relative to the config folder, default .hush/audit.db', async () => {
    const root = tempDir();
    const log = auditFromConfig({ failMode: 'open', retentionDays: 30 }, { root })!;
    expect(log.failMode).toBe('open');
    expect(log.retentionDays).toBe(30);
    log.after(event());
    await log.close();
    expect(existsSync(join(root, '.hush', 'audit.db'))).toBe(true);
    const custom = auditFromConfig({ path: 'logs/a.db' }, { root })!;
    await custom.ready;
    await custom.close();
    expect(existsSync(join(root, 'logs', 'a.db'))).toBe(true);
    const named = auditFromConfig({ path: ':memory:', failMode: 'failOpen' }, { root })!;
    expect(named.failMode).toBe('open');
    await named.close();
  });

  it('is off without a section or with enabled: false', () => {
    expect(auditFromConfig(undefined, { root: tempDir() })).toBeUndefined();
    expect(auditFromConfig({ enabled: false }, { root: tempDir() })).toBeUndefined();
  });

  it('refuses bad options with the file and the path', () => {
    const context = { root: tempDir(), file: 'hush.config.yaml' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ failMode: 'maybe' }, 'audit.failMode'],
      [{ retentionDays: -1 }, 'audit.retentionDays'],
      [{ url: 'mysql://x' }, 'audit.url'],
      [{ url: 'postgres://x/y', path: 'a.db' }, 'audit.url'],
      [{ colour: 'red' }, 'audit.colour'],
    ];
    for (const [section, path] of cases) {
      const error = (() => {
        try {
          auditFromConfig(section, context);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(path);
      expect((error as ConfigError).message).toContain('hush.config.yaml');
    }
  });
});
