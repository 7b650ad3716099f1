import type { Cli } from '../context.js';
import { CliError, EXIT } from '../errors.js';
import { type DeclaredSecret, parseSchema, rulesFor } from '../schema.js';
import { formatTable } from '../util.js';

export interface CheckResult {
  name: string;
  /** `absent`: not there and not required. */
  status: 'ok' | 'failed' | 'absent';
  reasons: string[];
  warnings: string[];
}

/**
 * Verifies every secret the `schema:` section declares against the environment's providers:
 * present when required, matching its pattern, long enough, a JSON object with its fields. Values
 * are checked in memory and never printed. Exit 1 listing every failure; 0 when all hold.
 */
export default async function check(cli: Cli): Promise<void> {
  const settings = await cli.settings();
  if (settings.config.schema === undefined)
    throw new CliError(
      `no schema: section in ${settings.config.file ?? 'the configuration'}: nothing to check`,
      EXIT.usage,
      "declare the secrets the application needs, e.g.  schema: { db/url: { required: true, pattern: '^postgres://' } }",
    );
  const declared = rulesFor(await parseSchema(settings.config), settings.environmentName);
  const manager = await cli.manager();
  const core = await import('@hush/core');
  const found = await manager.getSecrets(
    declared.map((d) => d.name),
    { accessor: cli.accessor, fresh: true },
  );
  const now = Date.now();
  const results: CheckResult[] = declared.map((rules) => {
    const secret = found.get(rules.name) ?? null;
    if (!secret)
      return {
        name: rules.name,
        status: rules.required ? 'failed' : 'absent',
        reasons: rules.required ? ['missing (required)'] : [],
        warnings: [],
      };
    const reasons = violations(rules, secret.value);
    const warnings: string[] = [];
    if (rules.rotation) {
      const period = core.parseDuration(rules.rotation);
      if (secret.updatedAt.getTime() + period <= now)
        warnings.push(
          `rotation due: unchanged since ${secret.updatedAt.toISOString()}, rotated every ${rules.rotation}`,
        );
    }
    return { name: rules.name, status: reasons.length ? 'failed' : 'ok', reasons, warnings };
  });
  const failures = results.filter((r) => r.status === 'failed').length;
  if (cli.options.json)
    cli.printJson({
      environment: settings.environmentName,
      ok: failures === 0,
      checked: results.length,
      failures,
      results,
    });
  else {
    const paint = (status: CheckResult['status']) =>
      status === 'ok'
        ? cli.colors.green(status)
        : status === 'failed'
          ? cli.colors.red(status)
          : cli.colors.dim(status);
    cli.print(
      formatTable(
        cli,
        ['SECRET', 'STATUS', 'DETAIL'],
        results.map((r) => [r.name, paint(r.status), [...r.reasons, ...r.warnings].join('; ')]),
      ),
    );
    cli.print(
      failures
        ? `${failures} of ${results.length} declared secret${results.length === 1 ? '' : 's'} failed in environment '${settings.environmentName}'`
        : `all ${results.length} declared secret${results.length === 1 ? '' : 's'} hold in environment '${settings.environmentName}'`,
    );
  }
  if (failures) process.exitCode = EXIT.failure;
}

/** Every rule a value breaks, each with its reason; never the value. */
export function violations(rules: DeclaredSecret, value: string): string[] {
  const reasons: string[] = [];
  if (rules.minLength !== undefined && [...value].length < rules.minLength)
    reasons.push(`shorter than ${rules.minLength} characters`);
  if (rules.pattern !== undefined && !new RegExp(rules.pattern, 'u').test(value))
    reasons.push(`does not match the pattern ${rules.pattern}`);
  if (rules.json || rules.fields?.length) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))
      reasons.push('not a JSON object');
    else {
      const missing = (rules.fields ?? []).filter((field) => !hasField(parsed, field));
      if (missing.length)
        reasons.push(`JSON field${missing.length === 1 ? '' : 's'} missing: ${missing.join(', ')}`);
    }
  }
  return reasons;
}

function hasField(object: unknown, path: string): boolean {
  let current = object;
  for (const segment of path.split('.')) {
    if (current === null || typeof current !== 'object' || !(segment in current)) return false;
    current = (current as Record<string, unknown>)[segment];
  }
  return current !== undefined && current !== null;
}
