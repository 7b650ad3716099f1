import type { HushConfig, SecretDeclaration, SecretRules } from '@hush/core';
import type { z as Z } from 'zod';

/** One declared secret, its rules for the environment in force resolved. */
export interface DeclaredSecret extends SecretRules {
  name: string;
  description?: string;
  required: boolean;
}

export interface ParsedSchema {
  /** In the order of the file. */
  declarations: Array<{ name: string; declaration: SecretDeclaration }>;
}

type Issue = { path: PropertyKey[]; message: string };

/** `schema.db/url.pattern`, `schema[2].name`: the path a reader finds in the file. */
function formatPath(path: PropertyKey[]): string {
  let out = 'schema';
  for (const segment of path) out += typeof segment === 'number' ? `[${segment}]` : `.${String(segment)}`;
  return out;
}

function rulesShape(z: typeof Z, core: typeof import('@hush/core')) {
  const fieldList = z.array(
    z.string({ error: 'expected a field name' }).min(1, { error: 'a field name cannot be empty' }),
    { error: 'expected a list of field names (dot paths)' },
  );
  return {
    required: z.boolean({ error: 'expected true or false' }).optional(),
    pattern: z
      .string({ error: 'expected a regular expression (text)' })
      .refine(
        (text) => {
          try {
            new RegExp(text, 'u');
            return true;
          } catch {
            return false;
          }
        },
        { message: 'not a valid regular expression' },
      )
      .optional(),
    minLength: z
      .number({ error: 'expected a number of characters' })
      .int({ error: 'expected a whole number of characters' })
      .min(1, { error: 'expected at least 1' })
      .optional(),
    // `json: true` with `fields: [...]`, or `json: { required: [...] }` as a JSON Schema reads.
    json: z
      .union([z.boolean(), z.strictObject({ required: fieldList })], {
        error: 'expected true, false or { required: [field, ...] }',
      })
      .optional(),
    fields: fieldList.optional(),
    rotation: z
      .string({ error: "expected a duration such as '90d'" })
      .refine(
        (text) => {
          try {
            core.parseDuration(text);
            return true;
          } catch {
            return false;
          }
        },
        { message: "expected a duration such as '30d', '12w' or '1y'" },
      )
      .optional(),
  };
}

/**
 * Validates the `schema:` section with zod: a map of secret name to rules, or a list of rules
 * each with a `name`. Every problem is reported with its path (`schema.db/url.pattern`) in one
 * `ConfigError`; an environment override must name a configured environment.
 */
export async function parseSchema(config: HushConfig): Promise<ParsedSchema> {
  const core = await import('@hush/core');
  const { z } = await import('zod');
  const rules = rulesShape(z, core);
  const environments = Object.keys(config.environments);
  const overrides = z.record(
    z.string().refine((env) => environments.includes(env), {
      message: `expected one of the environments (${environments.join(', ')})`,
    }),
    z.strictObject(rules, { error: 'expected a map of rules' }),
    { error: 'expected a map of environment: rules' },
  );
  const declaration = {
    ...rules,
    description: z.string({ error: 'expected text' }).optional(),
    environments: overrides.optional(),
  };
  const name = z
    .string({ error: 'expected a secret name' })
    .refine((text) => core.isValidSecretName(text), { message: 'not a valid secret name' });
  const raw = config.schema;
  const issues: Issue[] = [];
  let declarations: Array<{ name: string; declaration: WrittenDeclaration }> = [];
  if (raw === undefined || raw === null) declarations = [];
  else if (Array.isArray(raw)) {
    const result = z
      .array(z.strictObject({ name, ...declaration }, { error: 'expected a map of rules' }))
      .safeParse(raw);
    if (result.success)
      declarations = result.data.map(({ name: n, ...rest }) => ({ name: n, declaration: rest }));
    else issues.push(...result.error.issues);
    const seen = new Set<string>();
    raw.forEach((entry, i) => {
      const n = (entry as { name?: unknown })?.name;
      if (typeof n !== 'string') return;
      if (seen.has(n)) issues.push({ path: [i, 'name'], message: `'${n}' is declared twice` });
      seen.add(n);
    });
  } else {
    const result = z
      .record(name, z.strictObject(declaration, { error: 'expected a map of rules' }), {
        error: 'expected a map of secret name: rules, or a list of rules with a name',
      })
      .safeParse(raw);
    if (result.success)
      declarations = Object.entries(result.data).map(([n, d]) => ({ name: n, declaration: d }));
    else issues.push(...result.error.issues);
  }
  if (issues.length) {
    const [first, ...rest] = issues.map((issue) => {
      const keys = (issue as { keys?: string[] }).keys;
      // zod reports unknown keys on their object; name the key itself, as the rest of the file does.
      if (keys?.length)
        return {
          path: formatPath([...issue.path, keys[0]!]),
          message: `unknown setting '${keys[0]}' (expected one of: ${Object.keys(declaration).join(', ')})`,
        };
      return { path: formatPath(issue.path), message: issue.message };
    });
    const error = new core.ConfigError(first!.message, {
      ...(config.file ? { file: config.file } : {}),
      path: first!.path,
    });
    throw Object.assign(error, { details: rest.map((issue) => `${issue.path}: ${issue.message}`) });
  }
  return {
    declarations: declarations.map(({ name: n, declaration: d }) => ({
      name: n,
      declaration: normalized(d),
    })),
  };
}

type WrittenRules = Omit<SecretRules, 'json'> & { json?: boolean | { required: readonly string[] } };
type WrittenDeclaration = WrittenRules & {
  description?: string;
  environments?: Record<string, WrittenRules>;
};

/** `json: { required: [...] }` read as `json: true` with those `fields`, here and in every override. */
function normalized(rules: WrittenDeclaration): SecretDeclaration {
  const { json, environments, ...rest } = rules;
  const out: SecretDeclaration & { environments?: Record<string, SecretRules> } = { ...rest };
  if (typeof json === 'object') {
    out.json = true;
    out.fields = [...new Set([...(rest.fields ?? []), ...json.required])];
  } else if (json !== undefined) out.json = json;
  if (environments)
    out.environments = Object.fromEntries(
      Object.entries(environments).map(([env, r]) => [env, normalized(r) as SecretRules]),
    );
  return out;
}

/** The rules in force in one environment: the declaration with its override for that environment. */
export function rulesFor(schema: ParsedSchema, environment: string): DeclaredSecret[] {
  return schema.declarations.map(({ name, declaration }) => {
    const { environments, description, ...base } = declaration;
    const merged: SecretRules = { ...base, ...(environments?.[environment] ?? {}) };
    return {
      name,
      ...merged,
      ...(description ? { description } : {}),
      required: merged.required ?? true,
      ...(merged.fields?.length ? { json: true } : {}),
    };
  });
}
