import { it } from 'vitest';

/** Where a case's expected answer was written down from: a recording, a test or the service's docs. */
export interface Source {
  repo: string;
  file: string;
  /** The test (and recorded key) or the documented section the expectation comes from. */
  test: string;
}

/** A conformance case: its title carries the source, so a failure names what the service does. */
export function recorded(title: string, source: Source, run: () => Promise<void>): void {
  it(`${title} [${source.repo} ${source.file} :: ${source.test}]`, run);
}

let sequence = 0;
/** A name no other case uses, so cases can share one emulator. */
export function unique(prefix: string): string {
  sequence += 1;
  return `${prefix}-${process.pid}-${sequence}`;
}
