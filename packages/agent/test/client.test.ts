import { join } from 'node:path';
import { AccessDeniedError, ProviderUnavailableError, SecretManager } from '@hush/core';
import { AgentProvider } from '@hush/provider-agent';
import { MemoryProvider } from '@hush/testkit';
import { describe, expect, it } from 'vitest';
import { agentOver, appManager, logLines, socketFolder } from './support.js';

// The agent provider's own HTTP client against a live agent: connections kept alive, a restart
// reached again, the agent's answers mapped to the same errors, no value in any of them.

const PLANTED = 'planted-client-value-0b5e55ed';

/** Resolves once `done` holds, looking again after each turn of the event loop. */
async function until(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

describe('the agent client against a live agent', () => {
  it('reuses one kept-alive connection for sequential reads, through the manager too', async () => {
    const { socket } = await agentOver({ k: PLANTED });
    const provider = new AgentProvider({ socket });
    const app = new SecretManager({ providers: [provider] });
    for (let i = 0; i < 25; i++) expect((await app.getSecret('k'))?.value).toBe(PLANTED);
    for (let i = 0; i < 25; i++) expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(provider.metrics()).toMatchObject({ requests: 50, connections: 1, unreachable: 0 });
    await app.dispose();
  });

  it('reaches the agent again after it restarts, while reads keep coming', async () => {
    const socket = join(socketFolder(), 'agent.sock');
    let running = await agentOver({ k: 'from-agent' }, { socket });
    const direct = new MemoryProvider({ name: 'direct', secrets: { k: 'from-direct' } });
    const app = appManager(socket, direct);
    const provider = app.getProvider('agent')!;
    expect((await app.getSecret('k'))?.provider).toBe('agent');
    const served: string[] = [];
    let reading = true;
    // `fresh`: each read walks the chain, so that none is answered by the app's own cache.
    const reader = (async () => {
      while (reading) served.push((await app.getSecret('k', { fresh: true }))!.provider);
    })();
    await until(() => served.length >= 5);
    await running.agent.stop();
    const stopped = served.length;
    await until(() => served.slice(stopped).includes('direct'));
    running = await agentOver({ k: 'from-agent' }, { socket });
    const restarted = served.length;
    await until(() => served.slice(restarted).includes('agent'));
    reading = false;
    await reader;
    // Every read was answered: by the agent, by the direct chain while it was down, then by the new agent.
    expect(served).toContain('direct');
    expect(served.at(-1)).toBe('agent');
    expect(served.lastIndexOf('direct')).toBeLessThan(served.lastIndexOf('agent'));
    expect(provider.metrics!().connections).toBeGreaterThanOrEqual(2);
    await app.dispose();
  });

  it('maps the agent answers as before: 404 is no secret, a denial ends the read, 503 fails over', async () => {
    const denying = await agentOver({ k: PLANTED, open: 'open-value' });
    denying.manager.use({
      name: 'deny-k',
      before(context) {
        if (context.key === 'k') throw new AccessDeniedError("reading 'k' is denied");
      },
    });
    const direct = new MemoryProvider({ name: 'direct', secrets: { k: 'from-direct', gone: 'from-direct' } });
    const app = appManager(denying.socket, direct);
    const provider = app.getProvider('agent')!;
    expect(await provider.get('gone')).toBeNull();
    expect((await app.getSecret('gone'))?.provider).toBe('direct');
    const denied = await app.getSecret('k').catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(AccessDeniedError);
    expect(String((denied as Error).message)).not.toContain(PLANTED);
    expect((await app.getSecret('open'))?.value).toBe('open-value');

    const down = new MemoryProvider({ secrets: { k: PLANTED } });
    down.faults = { outage: true };
    const outage = await agentOver(
      {},
      { load: async () => ({ manager: new SecretManager({ providers: [down] }) }) },
    );
    const fallback = appManager(outage.socket, direct);
    const failed = await fallback
      .getProvider('agent')!
      .get('k')
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(ProviderUnavailableError);
    expect(JSON.stringify((failed as ProviderUnavailableError).failures)).not.toContain(PLANTED);
    expect((await fallback.getSecret('k'))?.provider).toBe('direct');
    for (const line of logLines) expect(line).not.toContain(PLANTED);
    await app.dispose();
    await fallback.dispose();
  });

  it('reads over the loopback listener with the token from its file', async () => {
    const { agent } = await agentOver({ k: PLANTED }, { listen: '127.0.0.1:0' });
    const provider = new AgentProvider({ url: agent.url!, tokenFile: agent.tokenFile! });
    for (let i = 0; i < 3; i++) expect((await provider.get('k'))?.value).toBe(PLANTED);
    expect(provider.metrics()).toMatchObject({ connections: 1 });
    const without = new AgentProvider({ url: agent.url!, tokenFile: join(socketFolder(), 'none') });
    const refused = await without.get('k').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderUnavailableError);
    expect((refused as ProviderUnavailableError).failures[0]?.code).toBe('TOKEN_REQUIRED');
    await provider.dispose();
    await without.dispose();
  });
});
