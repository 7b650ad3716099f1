import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readParsedConfig, writeParsedConfig } from '../src/config-cache.js';
import { ConfigError, loadConfig } from '../src/index.js';

const CONFIG = `
defaultEnvironment: dev
environments:
  dev:
    providers:
      - kind: vault
        options: { address: '\${env:VAULT_ADDR}' }
`;

function project(text = CONFIG) {
  const dir = mkdtempSync(join(tmpdir(), 'hush-config-cache-'));
  const file = join(dir, 'hush.config.yaml');
  writeFileSync(file, text);
  return { dir, file, cacheDir: join(dir, 'cache', 'hush', 'config') };
}

const ENV = { VAULT_ADDR: 'http://vault:8200' };
const entries = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.json'));

describe('parsed YAML configurations kept by the hash of their text', () => {
  it('the first read keeps the parsed document (0600 in a 0700 folder), the next read uses it', async () => {
    const { file, cacheDir } = project();
    const env = { VAULT_ADDR: 'http://one:8200' };
    const first = await loadConfig({ file, env, parsedCacheDir: cacheDir });
    const [entry] = entries(cacheDir);
    expect(entries(cacheDir)).toHaveLength(1);
    expect(statSync(cacheDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(cacheDir, entry!)).mode & 0o777).toBe(0o600);
    // Proof that the kept document is what the next read uses: alter it in place.
    const kept = JSON.parse(readFileSync(join(cacheDir, entry!), 'utf8'));
    kept.document.environments.dev.providers[0].kind = 'aws';
    writeFileSync(join(cacheDir, entry!), JSON.stringify(kept));
    const second = await loadConfig({ file, env, parsedCacheDir: cacheDir });
    expect(first!.environments.dev!.providers[0]!.kind).toBe('vault');
    expect(second!.environments.dev!.providers[0]!.kind).toBe('aws');
  });

  it('keeps the document before ${env:...} interpolation: each read interpolates its own environment', async () => {
    const { file, cacheDir } = project();
    await loadConfig({ file, env: { VAULT_ADDR: 'http://one:8200' }, parsedCacheDir: cacheDir });
    const again = await loadConfig({
      file,
      env: { VAULT_ADDR: 'http://two:8200' },
      parsedCacheDir: cacheDir,
    });
    expect(again!.environments.dev!.providers[0]!.options.address).toBe('http://two:8200');
    expect(readFileSync(join(cacheDir, entries(cacheDir)[0]!), 'utf8')).not.toContain('two:8200');
  });

  it('an edited file is parsed again (never served from the entry of its old text)', async () => {
    const { file, cacheDir } = project();
    await loadConfig({ file, env: ENV, parsedCacheDir: cacheDir });
    writeFileSync(file, CONFIG.replace('kind: vault', 'kind: gcp'));
    const edited = await loadConfig({ file, env: ENV, parsedCacheDir: cacheDir });
    expect(edited!.environments.dev!.providers[0]!.kind).toBe('gcp');
    expect(entries(cacheDir)).toHaveLength(2);
  });

  it('a folder others may write to is neither read nor written', async () => {
    const { file, cacheDir } = project();
    await loadConfig({ file, env: ENV, parsedCacheDir: cacheDir });
    const [entry] = entries(cacheDir);
    const kept = JSON.parse(readFileSync(join(cacheDir, entry!), 'utf8'));
    kept.document.environments.dev.providers[0].kind = 'aws';
    writeFileSync(join(cacheDir, entry!), JSON.stringify(kept));
    chmodSync(cacheDir, 0o777);
    const read = await loadConfig({ file, env: ENV, parsedCacheDir: cacheDir });
    expect(read!.environments.dev!.providers[0]!.kind).toBe('vault');
    expect(readParsedConfig(cacheDir, readFileSync(file, 'utf8'))).toBeUndefined();
  });

  it('a file that is not valid YAML is refused as before, and nothing is kept', async () => {
    const { file, cacheDir } = project('environments: [unclosed\n');
    const error = await loadConfig({ file, env: ENV, parsedCacheDir: cacheDir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(String((error as Error).message)).toMatch(/not valid YAML/);
    expect(() => entries(cacheDir)).toThrow(/ENOENT/);
  });

  it('only documents JSON keeps exactly are kept (.inf, -0 and non-plain objects are parsed each time)', () => {
    const { cacheDir } = project();
    for (const document of [{ a: Number.POSITIVE_INFINITY }, { a: -0 }, { a: new Date(0) }, [Number.NaN]])
      writeParsedConfig(cacheDir, JSON.stringify(String(document)), document);
    expect(() => entries(cacheDir)).toThrow(/ENOENT/);
    writeParsedConfig(cacheDir, 'a: [1, "x", null, true]', { a: [1, 'x', null, true] });
    expect(readParsedConfig(cacheDir, 'a: [1, "x", null, true]')).toEqual({ a: [1, 'x', null, true] });
    expect(readParsedConfig(cacheDir, 'a: [1, "x", null]')).toBeUndefined();
  });

  it('without parsedCacheDir nothing is written anywhere near the file', async () => {
    const { dir, file } = project();
    await loadConfig({ file, env: ENV });
    expect(readdirSync(dir)).toEqual(['hush.config.yaml']);
  });
});
