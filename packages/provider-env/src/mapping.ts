import { promises as fs } from 'node:fs';
import { extname } from 'node:path';
import { ConfigError, isValidSecretName } from '@hush/core';

export const DEFAULT_PREFIX = 'HUSH_SECRET_';

/**
 * `api-key-stripe` → `HUSH_SECRET_API_KEY_STRIPE`: upper case, and `-`, `.`, `/` become `_`.
 * With `uppercase` false (`uppercaseNames: false`) the case is kept: `HUSH_SECRET_api_key_stripe`.
 */
export function toVariableName(secretName: string, prefix = DEFAULT_PREFIX, uppercase = true): string {
  return `${prefix}${(uppercase ? secretName.toUpperCase() : secretName).replace(/[-./]/g, '_')}`;
}

/**
 * The way back, which cannot know what `_` stood for: `API_KEY_STRIPE` → `api-key-stripe`.
 * `database/url` comes back as `database-url`; a mapping entry keeps the original name.
 * Returns undefined when the result is not a valid secret name.
 */
export function toSecretName(
  variable: string,
  prefix = DEFAULT_PREFIX,
  uppercase = true,
): string | undefined {
  if (!variable.startsWith(prefix)) return undefined;
  const rest = variable.slice(prefix.length);
  const name = (uppercase ? rest.toLowerCase() : rest).replace(/_/g, '-');
  return isValidSecretName(name) ? name : undefined;
}

const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a table of secret name → variable name, wherever it came from. */
export function validateMapping(table: unknown, origin: string): Record<string, string> {
  if (typeof table !== 'object' || table === null || Array.isArray(table))
    throw new ConfigError('expected a table of secret names to variable names', { file: origin });
  const mapping: Record<string, string> = {};
  for (const [name, variable] of Object.entries(table)) {
    if (!isValidSecretName(name))
      throw new ConfigError(`'${name}' is not a valid secret name`, { file: origin, path: name });
    if (typeof variable !== 'string' || !VARIABLE.test(variable))
      throw new ConfigError('expected an environment variable name (letters, digits, _)', {
        file: origin,
        path: name,
      });
    mapping[name] = variable;
  }
  return mapping;
}

/**
 * Reads a mapping file: YAML (`.yaml`/`.yml`) or JSON, either the table itself or the table
 * under a `mapping:` key, e.g. `database/connection/url: DATABASE_URL`.
 */
export async function loadMappingFile(path: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the mapping file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { file: path, cause: error },
    );
  }
  let parsed: unknown;
  try {
    if (['.yaml', '.yml'].includes(extname(path).toLowerCase())) {
      // Loaded only when a YAML mapping is used: every `hush get` would pay for it otherwise.
      const { parse } = await import('yaml');
      parsed = parse(text);
    } else parsed = JSON.parse(text);
  } catch (error) {
    // Parser messages quote the file's text: say where, not what.
    const line = (error as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    throw new ConfigError(`not valid ${extname(path).slice(1) || 'JSON'}${line ? ` at line ${line}` : ''}`, {
      file: path,
    });
  }
  const table =
    typeof parsed === 'object' && parsed !== null && 'mapping' in parsed
      ? (parsed as { mapping: unknown }).mapping
      : parsed;
  return validateMapping(table ?? {}, path);
}
