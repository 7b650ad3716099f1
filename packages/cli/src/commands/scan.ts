import { promises as fs } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Cli } from '../context.js';
import { EXIT, UsageError } from '../errors.js';
import { fingerprintFindings, readBaseline, writeBaseline } from '../scan/baseline.js';
import { walkFiles } from '../scan/files.js';
import { historyBlobs, openRepository, stagedBlobs, workingTreeFiles } from '../scan/git.js';
import { installHook } from '../scan/hook.js';
import { KeyedMatcher, type ScanTarget } from '../scan/matcher.js';
import { type ReportedFinding, type ScanReport, toJson, toSarif, toText } from '../scan/report.js';
import { type Finding, type ScanRun, scanBlobs, scanFiles } from '../scan/scanner.js';
import { Side } from '../sides.js';
import { progressBar, writePrivateFile } from '../util.js';

interface ScanOptions {
  git?: boolean;
  staged?: boolean;
  baseline?: string;
  updateBaseline?: boolean;
  format?: 'text' | 'json' | 'sarif';
  output?: string;
  includeBinary?: boolean;
  minLength: string;
  installHook?: boolean;
}

/** Where `--update-baseline` writes without `--baseline`. */
export const DEFAULT_BASELINE = '.hush-scan-baseline.json';

/**
 * Looks for the current environment's secret values, and their encoded forms, in files, in
 * staged changes, or in every commit. Values are hashed into a keyed matcher as soon as they are
 * read and the manager (with its cache) is closed before the first file is opened. Exit 1 on a
 * finding the baseline does not have.
 */
export default async function scan(
  cli: Cli,
  [paths]: [string[] | undefined],
  options: ScanOptions,
): Promise<void> {
  const minLength = Number(options.minLength);
  if (!Number.isInteger(minLength) || minLength < 3)
    throw new UsageError(`--min-length expects an integer of at least 3, got '${options.minLength}'`);
  const format = options.format ?? (cli.options.json ? 'json' : 'text');
  const given = paths ?? [];
  if (options.staged && given.length) throw new UsageError('--staged scans the whole index: give no paths');
  if (options.staged && options.git) throw new UsageError('give --staged or --git, not both');
  const repository = await openRepository(cli.cwd);
  if ((options.git || options.staged || options.installHook) && !repository)
    throw new UsageError(
      `${cli.cwd} is not in a git repository (needed by --git, --staged and --install-hook)`,
    );
  if (options.installHook) {
    const path = await installHook(repository!.git, repository!.root, {
      ...(options.baseline ? { baseline: options.baseline } : {}),
      ...(cli.options.config ? { config: cli.options.config } : {}),
      ...(cli.options.env ? { env: cli.options.env } : {}),
    });
    cli.note(`${cli.colors.green('✓')} pre-commit hook written: ${path} (runs hush scan --staged)`);
    return;
  }

  const { matcher, tooShort } = await buildMatcher(cli, minLength);
  // The values are in the matcher only as keyed hashes now; close the manager and its cache.
  await cli.dispose();
  const scope = { worktree: !options.staged, history: options.git === true, staged: options.staged === true };
  const run = await scanScope(cli, repository, given, matcher, scope, options);
  const findings = sortFindings(run.findings);
  const prints = fingerprintFindings(findings);
  if (options.updateBaseline) {
    const path = resolve(cli.cwd, options.baseline ?? DEFAULT_BASELINE);
    await writeBaseline(path, findings, prints);
    cli.note(
      `baseline written: ${relative(cli.cwd, path) || path} (${findings.length} finding${findings.length === 1 ? '' : 's'}, fingerprints only)`,
    );
  }
  const accepted =
    options.baseline && !options.updateBaseline
      ? await readBaseline(resolve(cli.cwd, options.baseline))
      : undefined;
  const reported: ReportedFinding[] = findings.map((f, i) => ({
    ...f,
    fingerprint: prints[i]!,
    baselined: options.updateBaseline === true || (accepted?.has(prints[i]!) ?? false),
  }));
  await writeReport(cli, format, options.output, {
    findings: reported,
    stats: run.stats,
    secrets: { scanned: matcher.secrets.size, tooShort },
    scope,
  });
  if (reported.some((f) => !f.baselined)) process.exitCode = EXIT.failure;
}

/** The working tree, the staged changes and the history, as the scope asks (nothing with no values). */
async function scanScope(
  cli: Cli,
  repository: Awaited<ReturnType<typeof openRepository>>,
  given: string[],
  matcher: ScanRun['matcher'],
  scope: ScanReport['scope'],
  options: ScanOptions,
): Promise<ScanRun> {
  const root = repository?.root ?? cli.cwd;
  const run: ScanRun = {
    matcher,
    includeBinary: options.includeBinary === true,
    findings: [],
    stats: { files: 0, blobs: 0, commits: 0, bytes: 0, skippedBinary: [] },
  };
  if (matcher.empty) return run;
  if (scope.worktree) {
    const files = repository
      ? await trackedAndNamed(repository, cli.cwd, given)
      : await walkFiles(cli.cwd, given);
    const bar = await progressBar(cli, files.length, 'scanning files');
    await scanFiles(run, root, files, () => bar.tick()).finally(() => bar.stop());
  }
  if (scope.staged) await scanBlobs(run, root, await stagedBlobs(repository!.git), 'staged');
  if (scope.history) {
    const { blobs, commits } = await historyBlobs(repository!.git, given);
    run.stats.commits = commits;
    const bar = await progressBar(cli, blobs.size, `scanning ${commits} commits`);
    await scanBlobs(run, root, blobs, 'history', () => bar.tick()).finally(() => bar.stop());
  }
  return run;
}

/** The report as text, JSON or SARIF, on stdout or into a private file. */
async function writeReport(
  cli: Cli,
  format: string,
  output: string | undefined,
  report: ScanReport,
): Promise<void> {
  const text =
    format === 'json'
      ? `${JSON.stringify(toJson(report), null, 2)}\n`
      : format === 'sarif'
        ? `${JSON.stringify(toSarif(report), null, 2)}\n`
        : `${toText(report).join('\n')}\n`;
  if (output) {
    await writePrivateFile(resolve(cli.cwd, output), text);
    cli.note(`report written: ${output}`);
  } else process.stdout.write(text);
}

/** The values of every secret of the environment, hashed into a matcher. */
async function buildMatcher(
  cli: Cli,
  minLength: number,
): Promise<{ matcher: KeyedMatcher; tooShort: string[] }> {
  const side = new Side(cli, {});
  await side.open();
  const names = await side.names();
  const found = await side.manager.getSecrets(names, { accessor: cli.accessor, fresh: true });
  const targets: ScanTarget[] = [];
  const tooShort: string[] = [];
  for (const name of names) {
    const secret = found.get(name);
    if (!secret) continue;
    if (secret.value.length < minLength) tooShort.push(name);
    else targets.push({ name, version: secret.version, value: secret.value });
    for (const field of jsonFields(secret.value))
      if (field.value.length >= minLength)
        targets.push({ name: `${name}#${field.path}`, version: secret.version, value: field.value });
  }
  return { matcher: new KeyedMatcher(targets, { minLength }), tooShort };
}

/** The string fields of a JSON object secret (`db/creds#password`), found on their own too. */
function jsonFields(value: string): Array<{ path: string; value: string }> {
  if (!value.startsWith('{')) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return [];
  }
  const out: Array<{ path: string; value: string }> = [];
  const walk = (node: unknown, path: string, depth: number) => {
    if (depth > 8) return;
    if (typeof node === 'string') out.push({ path, value: node });
    else if (node && typeof node === 'object')
      for (const [key, child] of Object.entries(node)) walk(child, path ? `${path}.${key}` : key, depth + 1);
  };
  walk(parsed, '', 0);
  return out;
}

/** git's view of the working tree, plus files named on the command line even when ignored. */
async function trackedAndNamed(
  repository: { git: import('simple-git').SimpleGit; root: string },
  cwd: string,
  given: string[],
): Promise<string[]> {
  const files = new Set(await workingTreeFiles(repository.git, given));
  for (const path of given) {
    const absolute = isAbsolute(path) ? path : join(cwd, path);
    const stat = await fs.lstat(absolute).catch(() => undefined);
    if (stat?.isFile()) files.add(relative(repository.root, absolute).split(sep).join('/'));
  }
  return [...files];
}

const SOURCE_ORDER = { worktree: 0, staged: 1, history: 2 } as const;

function sortFindings(findings: Finding[]): Finding[] {
  return [...findings].sort(
    (a, b) =>
      SOURCE_ORDER[a.source] - SOURCE_ORDER[b.source] ||
      (a.file < b.file ? -1 : a.file > b.file ? 1 : 0) ||
      (a.commit ?? '').localeCompare(b.commit ?? '') ||
      a.offset - b.offset ||
      (a.secret < b.secret ? -1 : a.secret > b.secret ? 1 : 0),
  );
}
