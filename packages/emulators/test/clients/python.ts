import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Debian's Python, where Debian's client packages (python3-hvac, python3-boto3, ...) are installed;
 * another python3 on PATH (pyenv, a venv) does not see them.
 */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** Whether every module imports; when not, the message a skipped suite prints. */
export function pythonClient(
  modules: string[],
  debianPackage: string,
): { available: boolean; reason: string } {
  const probe = spawnSync(PYTHON, ['-c', modules.map((m) => `import ${m}`).join('; ')], { encoding: 'utf8' });
  const available = probe.status === 0;
  const reason = available
    ? ''
    : `${debianPackage} is not installed (${PYTHON} cannot import ${modules.join(', ')}): apt-get install ${debianPackage}`;
  if (!available) console.warn(`skipped: ${reason}`);
  return { available, reason };
}

/**
 * Runs one scenario script (asynchronously: the emulator answers from this same process); it prints
 * a JSON object of scenario → "ok" or the failure.
 */
export function runScenarios(script: string, env: Record<string, string>): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(
      PYTHON,
      [join(import.meta.dirname, script)],
      { env: { ...process.env, ...env, PYTHONDONTWRITEBYTECODE: '1' }, encoding: 'utf8', timeout: 120_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${script} failed: ${error.message}\n${stderr}`));
        resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as Record<string, string>);
      },
    );
  });
}

/** The scenarios that did not pass, for an assertion that names them. */
export const failures = (results: Record<string, string>) =>
  Object.entries(results).filter(([, v]) => v !== 'ok');
