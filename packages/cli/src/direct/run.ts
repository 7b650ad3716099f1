import { Masker, type Secret, type SecretProvider } from '@hush/core';
import { flagIsOn } from '../env-flag.js';
import { reportError } from '../errors.js';
import { resolveCommand } from '../run/child.js';
import { RUN_TIMING_DEFAULTS } from '../run/defaults.js';
import { maskValues } from '../run/environment.js';
import { runSession } from '../run/session.js';
import { timingOf } from '../run/timing.js';
import { watchStandardStreams } from '../stdio.js';
import { isUsableVariable, variablesOf } from '../variables.js';
import { type DirectProviders, directProviders } from './chain.js';
import type { DirectSettings } from './settings.js';

/**
 * `hush run -- COMMAND [ARGS...]` (no option) with the secrets the full command would hand it:
 * every listed secret (`mergeListings`, as the manager lists), each read from the first provider
 * that has it (as the manager reads), masked by a masker of its own as the manager's would mask.
 * Before the command starts, anything unusual (a name that gives no variable, a collision, a
 * lease, an error) is undefined: the full command answers, with its messages. Once it started,
 * its exit code is the answer, and an error is reported here as the full command reports it.
 */
export async function directRun(
  [command, ...args]: string[],
  settings: DirectSettings,
): Promise<number | undefined> {
  const chain = await directProviders(settings);
  if (!chain) return undefined;
  let values: Record<string, string> | undefined;
  try {
    await chain.start();
    values = await readVariables(chain);
  } finally {
    await chain.dispose();
  }
  if (!values) return undefined;
  const masker = maskerOf(values);
  const cwd = process.cwd();
  const file = resolveCommand(command!, process.env, cwd);
  watchStandardStreams();
  try {
    return await runSession({
      command: command!,
      args,
      file,
      cwd,
      values,
      masking: () => masker().createChunkMasker(),
      tty: true,
      keepMasterKey: false,
      timing: timingOf(RUN_TIMING_DEFAULTS),
      // Without --watch the secrets are read once.
      read: async () => values,
      changed: async () => undefined,
    });
  } catch (error) {
    return reportError(error, {
      json: false,
      debug: flagIsOn(process.env.HUSH_DEBUG),
      scrub: (text) => masker().mask(text),
    });
  }
}

/**
 * The masker of the values, made when first asked for: when the command first prints, which is
 * after it started (and maybe never), so that its making and the command's start overlap.
 */
function maskerOf(values: Record<string, string>): () => Masker {
  let masker: Masker | undefined;
  return () => {
    if (masker) return masker;
    masker = new Masker();
    // The manager pins what its cache holds: these values are never dropped from its masker.
    for (const value of Object.values(values)) masker.add(value, { pinned: true });
    maskValues(masker, values);
    return masker;
  };
}

/** Variable name → value of every listed secret, or undefined for the full command to decide. */
async function readVariables(chain: DirectProviders): Promise<Record<string, string> | undefined> {
  const infos = await chain.list();
  let unusable = false;
  const names = variablesOf(
    infos.map((info) => info.key),
    {
      usable: isUsableVariable,
      // The full command warns about such a name.
      skip: () => {
        unusable = true;
      },
    },
  );
  if (unusable) return undefined;
  const found = await firstFound(chain.providers, [...names.values()]);
  if (!found) return undefined;
  const values: Record<string, string> = {};
  for (const [variable, name] of names) {
    const secret = found.get(name);
    if (secret) values[variable] = secret.value;
  }
  return values;
}

/** Each name from the first provider that has it; undefined when a provider answers with a lease. */
async function firstFound(
  providers: readonly SecretProvider[],
  names: string[],
): Promise<Map<string, Secret> | undefined> {
  const found = new Map<string, Secret>();
  let missing = names;
  for (const provider of providers) {
    if (missing.length === 0) break;
    const answers = provider.getMany
      ? await provider.getMany(missing)
      : new Map(await Promise.all(missing.map(async (name) => [name, await provider.get(name)] as const)));
    for (const [name, secret] of answers) {
      if (secret?.lease !== undefined) return undefined;
      if (secret) found.set(name, secret);
    }
    missing = missing.filter((name) => !found.has(name));
  }
  return found;
}
