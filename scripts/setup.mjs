#!/usr/bin/env node
// Gets a clone ready to build: the pinned pnpm and every dependency, installed from the lockfile.
// Every root script runs this first, so `npm run demo` and `npm test` work on a machine that has
// only Node.js and npm. It changes nothing outside the clone but npm's and pnpm's own caches:
// pnpm goes to `.tools/` unless the pinned version is already on PATH.
//
// better-sqlite3 is compiled on install. node-gyp then needs Node's C headers: when they sit beside
// the running Node (`<prefix>/include/node/node.h`, as Debian's and nodejs.org's builds have them),
// node-gyp is pointed at them instead of downloading them; elsewhere it is left alone.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const PNPM_VERSION = '12.4.2';
const root = dirname(dirname(fileURLToPath(import.meta.url)));
const tools = join(root, '.tools');
const stampFile = join(root, 'node_modules', '.hush-setup');
const logFile = join(tools, 'setup.log');

const say = (line) => process.stderr.write(`setup: ${line}\n`);

function fail(line) {
  say(line);
  process.exit(1);
}

/** What the installed tree was made from: when it is unchanged, there is nothing to do. */
function installFingerprint() {
  const hash = createHash('sha256');
  hash.update(PNPM_VERSION);
  for (const file of ['pnpm-lock.yaml', 'pnpm-workspace.yaml']) {
    const path = join(root, file);
    if (existsSync(path)) hash.update(readFileSync(path));
  }
  return hash.digest('hex');
}

function versionOf(command) {
  const result = spawnSync(command, ['--version'], { encoding: 'utf8', shell: false });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

/** The pinned pnpm: the one on PATH if it is that version, else a copy in `.tools/`. */
function findPnpm() {
  if (versionOf('pnpm') === PNPM_VERSION) return 'pnpm';
  const local = join(tools, 'node_modules', '.bin', 'pnpm');
  if (existsSync(local) && versionOf(local) === PNPM_VERSION) return local;
  say(`installing pnpm ${PNPM_VERSION} into .tools/ (project-local)`);
  mkdirSync(tools, { recursive: true });
  writeFileSync(join(tools, 'package.json'), '{ "private": true }\n');
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(
    npm,
    ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `pnpm@${PNPM_VERSION}`],
    { cwd: tools, encoding: 'utf8' },
  );
  if (result.status !== 0 || versionOf(local) !== PNPM_VERSION) {
    writeFileSync(logFile, `${result.stdout ?? ''}${result.stderr ?? ''}`);
    fail(`could not install pnpm ${PNPM_VERSION} with npm (is the npm registry reachable?); log: ${logFile}`);
  }
  return local;
}

/** Node's C headers beside the running Node, for node-gyp; undefined to let node-gyp fetch them. */
function localNodeHeaders() {
  const candidates = [resolve(dirname(process.execPath), '..'), '/usr'];
  return candidates.find((prefix) => existsSync(join(prefix, 'include', 'node', 'node.h')));
}

/** One line that says what to do, from what the install printed. */
function diagnose(output) {
  if (
    /better-sqlite3/.test(output) &&
    /(headers|node\.h|nodedir|tarball|ENOTFOUND|ETIMEDOUT|ECONNREFUSED)/i.test(output)
  )
    return "better-sqlite3 could not be compiled: Node's C headers are missing and could not be downloaded. Install them (Debian/Ubuntu: apt-get install libnode-dev; Node.js from nodejs.org includes them) or set npm_config_nodedir to the folder that holds include/node/node.h.";
  if (/(gyp ERR!|node-gyp).*(python|make|g\+\+|cc1plus|not found)/is.test(output))
    return 'better-sqlite3 could not be compiled: a C++ tool chain is missing. Install python3, make and a C++ compiler (Debian/Ubuntu: apt-get install python3 make g++).';
  if (/ERR_PNPM_OUTDATED_LOCKFILE|ERR_PNPM_LOCKFILE/.test(output))
    return 'pnpm-lock.yaml does not match a package.json: run `npx pnpm@12.4.2 install` to update it, then commit the lockfile.';
  if (/ERR_PNPM_FETCH|ERR_PNPM_META_FETCH|ENOTFOUND|ETIMEDOUT|ECONNRESET/.test(output))
    return 'a package could not be downloaded: check that the npm registry is reachable (proxy, registry setting), then run this again.';
  if (/Unsupported engine|ERR_PNPM_UNSUPPORTED_ENGINE/.test(output))
    return `this Node.js (${process.version}) is too old: hush needs Node.js 20.19 or newer.`;
  return undefined;
}

async function install(pnpm) {
  const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };
  if (!env.npm_config_nodedir) {
    const headers = localNodeHeaders();
    if (headers) env.npm_config_nodedir = headers;
  }
  mkdirSync(tools, { recursive: true });
  say(
    `installing dependencies with pnpm ${PNPM_VERSION} (the first time compiles better-sqlite3: a few minutes)`,
  );
  const log = createWriteStream(logFile);
  const child = spawn(pnpm, ['install', '--frozen-lockfile', '--reporter=append-only'], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk) => {
    log.write(chunk);
    output += chunk.toString();
    if (output.length > 4_000_000) output = output.slice(-2_000_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const code = await new Promise((done) => {
    child.on('error', (error) => {
      collect(String(error));
      done(1);
    });
    child.on('close', done);
  });
  await new Promise((done) => log.end(done));
  if (code !== 0)
    fail(`${diagnose(output) ?? 'pnpm install failed (see the log for the cause).'} Full log: ${logFile}`);
}

const fingerprint = installFingerprint();
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === fingerprint) process.exit(0);
if (Number(process.versions.node.split('.')[0]) < 20)
  fail(`this Node.js (${process.version}) is too old: hush needs Node.js 20.19 or newer.`);
await install(findPnpm());
writeFileSync(stampFile, fingerprint);
say('ready');
