import { resolve } from 'node:path';
import type { Cli } from '../context.js';
import { isUsableVariable, loadMap, readMapped, variablesOf } from '../variables.js';

/** Which secrets `run` hands to its command. */
export interface Selection {
  prefix?: string;
  provider?: string;
  map?: string;
}

/** The variables of a run and the secret (or `name#field` reference) each comes from. */
export interface Resolved {
  values: Record<string, string>;
  sources: Record<string, string>;
}

/**
 * Variable name → value: from --map, or every listed secret (of a prefix or a provider).
 * `fresh` reads past the manager's cache (after the local store changed on disk).
 */
export async function resolveVariables(
  cli: Cli,
  selection: Selection,
  options: { fresh?: boolean; quiet?: boolean } = {},
): Promise<Resolved> {
  const manager = await cli.manager();
  const read = {
    accessor: cli.accessor,
    ...(selection.provider ? { provider: selection.provider } : {}),
    ...(options.fresh ? { fresh: true } : {}),
  };
  if (selection.map) {
    const mapping = await loadMap(resolve(cli.cwd, selection.map));
    return { values: await readMapped(manager, mapping, read, selection.map), sources: mapping };
  }
  const prefix = selection.prefix ?? '';
  const infos = await manager.listSecrets({ ...read, ...(prefix ? { prefix } : {}) });
  const names = variablesOf(
    infos.map((info) => info.key),
    {
      prefix,
      usable: isUsableVariable,
      skip: (name) => {
        if (!options.quiet) cli.warn(`secret '${name}' gives no usable variable name; skipped`);
      },
    },
  );
  const found = names.size ? await manager.getSecrets([...names.values()], read) : new Map();
  const values: Record<string, string> = {};
  const sources: Record<string, string> = {};
  for (const [variable, name] of names) {
    const secret = found.get(name);
    if (!secret) continue;
    values[variable] = secret.value;
    sources[variable] = name;
  }
  return { values, sources };
}

/** Registers every value (and the string fields of JSON values) with the manager's masker. */
export function maskValues(masker: { add(value: string): void }, variables: Record<string, string>): void {
  if (process.env.HUSH_MASTER_KEY) masker.add(process.env.HUSH_MASTER_KEY);
  for (const value of Object.values(variables)) {
    masker.add(value);
    for (const leaf of jsonLeaves(value)) masker.add(leaf);
  }
}

/**
 * The child's environment: ours plus the secrets. HUSH_MASTER_KEY opens every secret of the store,
 * so the child does not get it unless asked (`--keep-master-key`, e.g. for a nested hush).
 */
export function childEnvironment(
  variables: Record<string, string>,
  options: { keepMasterKey: boolean; extra?: Record<string, string> },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...variables, ...options.extra };
  if (!options.keepMasterKey && !('HUSH_MASTER_KEY' in variables)) delete env.HUSH_MASTER_KEY;
  return env;
}

/** Names whose value differs between two environments (added, removed or changed), sorted. */
export function changedNames(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

const MIN_FIELD_LENGTH = 6;

/** String fields of a JSON secret: a child that parses the secret and prints a field is masked too. */
function jsonLeaves(value: string): string[] {
  if (!/^\s*[[{]/.test(value)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const leaves: string[] = [];
  const walk = (node: unknown): void => {
    // Short fields (a user name such as 'svc') would garble ordinary output; secrets are longer.
    if (typeof node === 'string' && node.length >= MIN_FIELD_LENGTH) leaves.push(node);
    else if (node && typeof node === 'object') for (const child of Object.values(node)) walk(child);
  };
  walk(parsed);
  return leaves;
}
