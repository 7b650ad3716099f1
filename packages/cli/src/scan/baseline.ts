import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { CliError, EXIT } from '../errors.js';
import type { Finding } from './scanner.js';

/** A baseline entry: where a finding was accepted, and its fingerprint. Never a value. */
export interface BaselineEntry {
  fingerprint: string;
  secret: string;
  encoding: string;
  file: string;
  line: number;
  column: number;
  commit?: string;
}

export interface Baseline {
  version: 1;
  findings: BaselineEntry[];
}

/**
 * A finding's fingerprint, stable across runs and across line moves: a SHA-256 of the secret's
 * name and version, the encoding, the file, the commit and which occurrence it is in that file.
 * It names no value and is derived from none, so a baseline can be committed; a rotated value
 * (a new version) pasted in the same place is a new finding.
 */
export function fingerprintFindings(findings: Finding[]): string[] {
  const seen = new Map<string, number>();
  return findings.map((f) => {
    const place = [f.secret, f.version, f.encoding, f.file, f.commit ?? ''].join('\u0000');
    const occurrence = seen.get(place) ?? 0;
    seen.set(place, occurrence + 1);
    return createHash('sha256').update(`hush-scan-baseline/1\u0000${place}\u0000${occurrence}`).digest('hex');
  });
}

export async function readBaseline(path: string): Promise<Set<string>> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Set();
    throw new CliError(
      `cannot read the baseline ${path}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      `the baseline ${path} is not valid JSON`,
      EXIT.failure,
      'write a new one: hush scan --update-baseline',
    );
  }
  const findings = (parsed as { findings?: unknown })?.findings;
  if ((parsed as { version?: unknown })?.version !== 1 || !Array.isArray(findings))
    throw new CliError(`the baseline ${path} is not a hush scan baseline (version 1 with findings)`);
  return new Set(
    findings
      .map((f) => (f as { fingerprint?: unknown })?.fingerprint)
      .filter((f): f is string => typeof f === 'string'),
  );
}

export async function writeBaseline(path: string, findings: Finding[], prints: string[]): Promise<void> {
  const baseline: Baseline = {
    version: 1,
    findings: findings.map((f, i) => ({
      fingerprint: prints[i]!,
      secret: f.secret,
      encoding: f.encoding,
      file: f.file,
      line: f.line,
      column: f.column,
      ...(f.commit ? { commit: f.commit } : {}),
    })),
  };
  await fs.writeFile(path, `${JSON.stringify(baseline, null, 2)}\n`);
}
