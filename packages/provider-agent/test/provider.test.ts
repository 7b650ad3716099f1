import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessDeniedError,
  ConfigError,
  InvalidSecretNameError,
  ProviderUnavailableError,
  SecretManager,
  UnsupportedOperationError,
} from '@hush/core';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import plugin, { AgentProvider, defaultSocketPath } from '../src/index.js';
import { toHushError } from '../src/mapping.js';

// The provider against a live agent is tested in @hush/agent (which depends on this package).

describe('AgentProvider without an agent', () => {
  it('reports an unreachable agent as an outage, so that reads fall over', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'hush-pa-')), 'none.sock');
    const provider = new AgentProvider({ socket });
    const error = await provider.get('k').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderUnavailableError);
    expect((error as ProviderUnavailableError).failures[0]).toMatchObject({
      provider: 'agent',
      code: 'ENOENT',
    });
    const manager = new SecretManager({
      providers: [provider, new MemoryProvider({ name: 'direct', secrets: { k: 'direct-value' } })],
    });
    expect((await manager.getSecret('k'))?.provider).toBe('direct');
    await manager.dispose();
  });

  it('initialize() resolves without an agent, so a manager starts and falls over', async () => {
    const socket = join(mkdtempSync(join(tmpdir(), 'hush-pa-')), 'none.sock');
    const provider = new AgentProvider({ socket });
    await provider.initialize();
    await Promise.all([provider.initialize(), provider.initialize()]);
    expect(provider.metrics().requests).toBe(0);
    const manager = new SecretManager({
      providers: [provider, new MemoryProvider({ name: 'direct', secrets: { k: 'direct-value' } })],
    });
    await manager.initialize();
    expect((await manager.getSecret('k'))?.provider).toBe('direct');
    await manager.dispose();
  });

  it('refuses an option it does not know', () => {
    expect(() => new AgentProvider({ socket: '/x', timeout: 5 } as never)).toThrow(
      "agent provider: unknown option 'timeout'",
    );
  });

  it('is read-only unless writes are asked for', () => {
    expect(new AgentProvider({ socket: '/x' }).capabilities.write).toBe(false);
    expect(new AgentProvider({ socket: '/x', writes: true }).capabilities.write).toBe(true);
  });

  it('refuses a listener URL that is not http://', () => {
    expect(() => new AgentProvider({ url: 'ftp://127.0.0.1:1' })).toThrow(ConfigError);
    expect(() => new AgentProvider({ url: 'not a url' })).toThrow(ConfigError);
  });

  it('finds the socket where the agent puts it', () => {
    expect(defaultSocketPath({ HUSH_AGENT_SOCKET: '/run/hush/agent.sock' })).toBe('/run/hush/agent.sock');
    expect(defaultSocketPath({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/hush/agent.sock');
    expect(plugin.kind).toBe('agent');
  });
});

describe("the agent's errors", () => {
  it('keep their meaning: denials and bad names end a read, outages and refusals fall over', () => {
    expect(toHushError('agent', 403, { code: 'ACCESS_DENIED', message: 'no' })).toBeInstanceOf(
      AccessDeniedError,
    );
    expect(toHushError('agent', 400, { code: 'INVALID_SECRET_NAME', message: 'bad' })).toBeInstanceOf(
      InvalidSecretNameError,
    );
    expect(toHushError('agent', 403, { code: 'WRITES_DISABLED', message: 'off' })).toBeInstanceOf(
      UnsupportedOperationError,
    );
    expect(toHushError('agent', 503, { code: 'PROVIDER_UNAVAILABLE', message: 'down' })).toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(toHushError('agent', 401, { code: 'TOKEN_REQUIRED', message: 'token' })).toBeInstanceOf(
      ProviderUnavailableError,
    );
    expect(toHushError('agent', 403, { code: 'FORWARDED_REFUSED', message: 'xff' })).toBeInstanceOf(
      ProviderUnavailableError,
    );
  });

  it('name the agent once, and keep the failures reported behind it without repeating them', () => {
    const refused = toHushError('agent', 401, { code: 'TOKEN_REQUIRED', message: 'a token is required' });
    expect(refused.message).toBe("agent provider 'agent' is unavailable (agent: a token is required)");
    expect(toHushError('agent', 404, { code: 'NOT_FOUND_HERE', message: 'gone' }).message).toBe(
      'agent: gone',
    );
    expect(toHushError('agent', 403, { code: 'ACCESS_DENIED', message: 'no' }).message).toBe('agent: no');
    const behind = toHushError('agent', 503, {
      code: 'PROVIDER_UNAVAILABLE',
      message: 'no provider could answer (aws: throttled)',
      failures: [{ provider: 'aws', code: 'ThrottlingException', message: 'throttled' }],
    }) as ProviderUnavailableError;
    expect(behind.message).toBe(
      "the providers behind agent provider 'agent' are unavailable (aws: throttled)",
    );
    expect(behind.failures).toEqual([{ provider: 'aws', code: 'ThrottlingException', message: 'throttled' }]);
  });
});
