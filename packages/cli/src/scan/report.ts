import { version as hushVersion } from '../../package.json';
import type { Finding, ScanStats } from './scanner.js';

/** A finding as reported: where, how encoded, its baseline fingerprint and whether the baseline has it. */
export interface ReportedFinding extends Finding {
  fingerprint: string;
  baselined: boolean;
}

export interface ScanReport {
  findings: ReportedFinding[];
  stats: ScanStats;
  /** Secrets looked for, and those too short to look for. */
  secrets: { scanned: number; tooShort: string[] };
  scope: { worktree: boolean; history: boolean; staged: boolean };
}

const RULE_ID = 'hush/secret-value';

export function toJson(report: ScanReport): unknown {
  const fresh = report.findings.filter((f) => !f.baselined).length;
  return {
    version: 1,
    scope: report.scope,
    summary: {
      findings: report.findings.length,
      new: fresh,
      baselined: report.findings.length - fresh,
      files: report.stats.files,
      blobs: report.stats.blobs,
      commits: report.stats.commits,
      bytes: report.stats.bytes,
      secrets: report.secrets.scanned,
    },
    findings: report.findings.map((f) => ({
      secret: f.secret,
      encoding: f.encoding,
      file: f.file,
      line: f.line,
      column: f.column,
      offset: f.offset,
      length: f.length,
      ...(f.commit ? { commit: f.commit } : {}),
      source: f.source,
      binary: f.binary,
      fingerprint: f.fingerprint,
      baselined: f.baselined,
    })),
    skipped: { binary: report.stats.skippedBinary, tooShort: report.secrets.tooShort },
  };
}

const where = (f: Finding): string => `${f.file}:${f.line}:${f.column}`;

/** Lines for a terminal: one per new finding, then a summary. */
export function toText(report: ScanReport): string[] {
  const lines: string[] = [];
  for (const f of report.findings) {
    if (f.baselined) continue;
    const commit = f.commit ? `  commit ${f.commit.slice(0, 12)}` : f.source === 'staged' ? '  (staged)' : '';
    lines.push(`${f.secret}  ${where(f)}  ${f.encoding}${f.binary ? ' (binary)' : ''}${commit}`);
  }
  const fresh = report.findings.filter((f) => !f.baselined).length;
  const baselined = report.findings.length - fresh;
  const scanned = [
    report.stats.files ? `${report.stats.files} file${report.stats.files === 1 ? '' : 's'}` : '',
    report.stats.commits ? `${report.stats.commits} commit${report.stats.commits === 1 ? '' : 's'}` : '',
    report.stats.blobs && !report.stats.commits
      ? `${report.stats.blobs} staged file${report.stats.blobs === 1 ? '' : 's'}`
      : '',
  ].filter(Boolean);
  lines.push(
    `${fresh === 0 ? 'no' : fresh} finding${fresh === 1 ? '' : 's'}${baselined ? ` (and ${baselined} in the baseline)` : ''} for ${report.secrets.scanned} secret${report.secrets.scanned === 1 ? '' : 's'} in ${scanned.join(' and ') || 'nothing'}`,
  );
  if (report.stats.skippedBinary.length)
    lines.push(
      `${report.stats.skippedBinary.length} binary file${report.stats.skippedBinary.length === 1 ? '' : 's'} not scanned (--include-binary scans them): ${report.stats.skippedBinary.slice(0, 5).join(', ')}${report.stats.skippedBinary.length > 5 ? ', ...' : ''}`,
    );
  if (report.secrets.tooShort.length)
    lines.push(`not looked for (values shorter than --min-length): ${report.secrets.tooShort.join(', ')}`);
  return lines;
}

const uri = (path: string): string => path.split('/').map(encodeURIComponent).join('/');

/** SARIF 2.1.0, as GitHub code scanning takes it: one rule, one result per finding. */
export function toSarif(report: ScanReport): unknown {
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'hush',
            version: hushVersion,
            semanticVersion: hushVersion,
            informationUri: 'https://github.com/hush/hush',
            rules: [
              {
                id: RULE_ID,
                name: 'SecretValueInRepository',
                shortDescription: { text: 'The value of a managed secret is written in a file' },
                fullDescription: {
                  text: 'A value that hush manages, or one of its encoded forms (base64, base64url, hex, URL-encoded, JSON-escaped), appears in a file of the repository or of its history.',
                },
                help: {
                  text: 'Remove the value from the file (and from history if it was committed), then rotate the secret: `hush rotate NAME`. Accept a known occurrence with `hush scan --update-baseline`.',
                },
                defaultConfiguration: { level: 'error' },
                properties: {
                  tags: ['security', 'secret'],
                  precision: 'very-high',
                  'security-severity': '9.0',
                },
              },
            ],
          },
        },
        columnKind: 'utf16CodeUnits',
        results: report.findings.map((f) => ({
          ruleId: RULE_ID,
          ruleIndex: 0,
          level: 'error',
          message: {
            text: `The value of secret '${f.secret}'${f.encoding === 'raw' ? '' : ` (${f.encoding})`} is in this file${f.commit ? ` as of commit ${f.commit}` : ''}.`,
          },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: uri(f.file), uriBaseId: '%SRCROOT%' },
                region: {
                  startLine: f.line,
                  startColumn: f.column,
                  byteOffset: f.offset,
                  byteLength: f.length,
                },
              },
            },
          ],
          partialFingerprints: { 'hushFinding/v1': f.fingerprint },
          baselineState: f.baselined ? 'unchanged' : 'new',
          ...(f.baselined
            ? { suppressions: [{ kind: 'external', justification: 'in the hush scan baseline' }] }
            : {}),
          properties: {
            secret: f.secret,
            encoding: f.encoding,
            source: f.source,
            ...(f.commit ? { commit: f.commit } : {}),
          },
        })),
      },
    ],
  };
}
