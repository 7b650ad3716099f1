import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretManager } from '@hush/core';
import { AwsSecretsManagerProvider } from '@hush/provider-aws';
import { msPerRun, ratio, table } from './measure.mjs';

const COUNT = 100;

/**
 * Resolving 100 references with a cold cache, against the AWS emulator, side by side with a
 * naive sequential GetSecretValue loop and Promise.all over GetSecretValue, with the requests
 * each one makes.
 */
export async function resolveHundred(emulator) {
  const connection = { endpoint: emulator.url, region: emulator.region, credentials: emulator.credentials };
  const names = Array.from({ length: COUNT }, (_, i) => `bench/resolve/s${i}`);
  const seed = new AwsSecretsManagerProvider(connection);
  for (const name of names) await seed.set(name, `value-of-${name}`);
  await seed.dispose();
  const document = Object.fromEntries(names.map((name, i) => [`key${i}`, `\${secret:${name}}`]));
  const client = new SecretsManagerClient(connection);
  const requestsOf = async (work) => {
    emulator.resetCalls();
    await work();
    return Object.values(emulator.calls).reduce((a, b) => a + b, 0);
  };

  let manager;
  const fresh = async () => {
    await manager?.dispose();
    manager = new SecretManager({ providers: [new AwsSecretsManagerProvider(connection)] });
    await manager.initialize();
  };
  const hush = async () => {
    const resolved = await manager.resolve(document);
    if (resolved.key7 !== `value-of-${names[7]}`) throw new Error('resolve gave a wrong value');
  };
  const sequential = async () => {
    for (const name of names) await client.send(new GetSecretValueCommand({ SecretId: name }));
  };
  const parallel = async () => {
    await Promise.all(names.map((name) => client.send(new GetSecretValueCommand({ SecretId: name }))));
  };

  const hushMs = await msPerRun(hush, { setup: fresh });
  await fresh();
  const hushRequests = await requestsOf(hush);
  const sequentialMs = await msPerRun(sequential);
  const sequentialRequests = await requestsOf(sequential);
  const parallelMs = await msPerRun(parallel);
  const parallelRequests = await requestsOf(parallel);
  await manager.dispose();
  client.destroy();

  table(`resolve of ${COUNT} references, cold cache (ms per run; requests at the AWS emulator)`, [
    ['', 'ms', 'vs sequential', 'requests'],
    ['hush resolve', hushMs.toFixed(1), ratio(hushMs, sequentialMs), hushRequests],
    ['sequential GetSecretValue loop', sequentialMs.toFixed(1), '1.00×', sequentialRequests],
    ['Promise.all GetSecretValue', parallelMs.toFixed(1), ratio(parallelMs, sequentialMs), parallelRequests],
  ]);
  return { hushMs, sequentialMs, parallelMs, hushRequests };
}
