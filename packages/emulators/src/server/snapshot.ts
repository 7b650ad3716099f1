import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/**
 * The JSON file an emulator keeps its state in: read once at start, rewritten after each change.
 * It holds secret values in clear, so it is created 0600 and replaced atomically (temporary file,
 * then rename) so that a crash leaves the previous or the new content, never half of one.
 */
export class SnapshotFile<T> {
  constructor(
    readonly path: string | undefined,
    /** Checks what was read (throws when the file is another service's), and may upgrade it. */
    private readonly check: (parsed: unknown, path: string) => T = (parsed) => parsed as T,
  ) {}

  /** The saved state, or undefined when there is no file (yet). */
  load(): T | undefined {
    if (!this.path) return undefined;
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return this.check(JSON.parse(text), this.path);
  }

  save(state: T): void {
    if (!this.path) return;
    const temporary = `${this.path}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify(state), { mode: 0o600 });
    renameSync(temporary, this.path);
  }
}
