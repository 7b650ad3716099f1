import { execFile, spawnSync } from 'node:child_process';

/**
 * The kubectl binaries to run: the one on PATH (Debian's kubernetes-client, or whichever the
 * machine has) and any listed in HUSH_TEST_KUBECTL (colon-separated paths, e.g. a second release).
 */
export function kubectlBinaries(): Array<{ path: string; version: string }> {
  const candidates = ['kubectl', ...(process.env.HUSH_TEST_KUBECTL ?? '').split(':').filter(Boolean)];
  const found: Array<{ path: string; version: string }> = [];
  for (const path of candidates) {
    const probe = spawnSync(path, ['version', '--client'], { encoding: 'utf8' });
    if (probe.status !== 0) continue;
    const version = /v\d+\.\d+\.\d+/.exec(probe.stdout)?.[0] ?? 'unknown';
    if (!found.some((f) => f.version === version)) found.push({ path, version });
  }
  if (found.length === 0) console.warn('skipped: no kubectl found (apt-get install kubernetes-client)');
  return found;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl asynchronously (the emulator answers from this same process). */
export function kubectl(binary: string, kubeconfig: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      binary,
      args,
      { env: { ...process.env, KUBECONFIG: kubeconfig }, encoding: 'utf8', timeout: 60_000 },
      (error, stdout, stderr) =>
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}
