import { type HclItem, type HclObject, HclSyntaxError, jsonToHcl, parseHcl, positionOf } from './hcl.js';
import type { PolicyRule, StoredPolicy, Token } from './state.js';

export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * Vault's built-in `default` policy, reduced to what a client needs: every non-root token may
 * look itself up, renew and revoke itself, and renew and look up leases.
 */
export const DEFAULT_POLICY: StoredPolicy = {
  raw: '',
  rules: [
    { path: 'auth/token/lookup-self', capabilities: ['read'] },
    { path: 'auth/token/renew-self', capabilities: ['update'] },
    { path: 'auth/token/revoke-self', capabilities: ['update'] },
    { path: 'sys/capabilities-self', capabilities: ['update'] },
    // A token may renew and look up a lease whose id it knows.
    { path: 'sys/renew', capabilities: ['update'] },
    { path: 'sys/leases/renew', capabilities: ['update'] },
    { path: 'sys/leases/lookup', capabilities: ['update'] },
  ],
};

/** Vault durations: integer seconds, or Go-style `1h30m`, `90s`, `2d`. Returns seconds. */
export function parseDurationSeconds(value: unknown): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return Math.max(0, Math.floor(value));
  const text = String(value).trim();
  if (/^\d+$/.test(text)) return Number(text);
  const units: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400 };
  let total = 0;
  let rest = text;
  const part = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)/;
  while (rest.length > 0) {
    const match = part.exec(rest);
    if (!match) throw new Error(`time: invalid duration "${text}"`);
    total += Number(match[1]) * units[match[2]!]!;
    rest = rest.slice(match[0].length);
  }
  return Math.floor(total);
}

/** Formats seconds as Go prints a time.Duration (`1h0m0s`, `0s`). */
export function formatGoDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

/**
 * Reads an ACL policy as Vault does: HCL (or the JSON form) parsed into `path "<glob>" { ... }`
 * blocks, with Vault's checks on keys and capabilities. Errors read as Vault's do
 * (`failed to parse policy: At 3:14: ...` for a syntax error, with its position).
 */
export function parsePolicy(text: string): PolicyRule[] {
  let root: HclObject;
  const trimmed = text.trim();
  try {
    if (trimmed.startsWith('{')) {
      try {
        root = jsonToHcl(JSON.parse(trimmed)) as HclObject;
      } catch (error) {
        const offset = Number(/position (\d+)/.exec((error as Error).message)?.[1] ?? trimmed.length);
        const { line, column } = positionOf(trimmed, offset);
        throw new HclSyntaxError(line, column, 'invalid JSON');
      }
    } else root = parseHcl(text);
  } catch (error) {
    throw new Error(`failed to parse policy: ${(error as Error).message}`);
  }
  const invalid = root.items
    .filter((item) => item.keys[0] !== 'name' && item.keys[0] !== 'path')
    .map((item) => `invalid key "${item.keys[0]}" on line ${item.line}`);
  if (invalid.length) throw new Error(`failed to parse policy: ${multiError(invalid)}`);
  return root.items.filter((item) => item.keys[0] === 'path').map(pathRule);
}

const PATH_KEYS = [
  'comment',
  'policy',
  'capabilities',
  'allowed_parameters',
  'denied_parameters',
  'required_parameters',
  'min_wrapping_ttl',
  'max_wrapping_ttl',
  'mfa_methods',
  'control_group',
];

/** Vault's old `policy = "read"` shorthands, as the capabilities they stand for. */
const OLD_POLICIES: Record<string, string[]> = {
  deny: ['deny'],
  read: ['read', 'list'],
  write: ['create', 'read', 'update', 'delete', 'list'],
  sudo: ['create', 'read', 'update', 'delete', 'list', 'sudo'],
};

function pathRule(item: HclItem): PolicyRule {
  const path = (item.keys[1] ?? 'path').replace(/^\//, '');
  const body = typeof item.value === 'object' && !Array.isArray(item.value) ? item.value : { items: [] };
  const invalid = body.items
    .filter((entry) => !PATH_KEYS.includes(entry.keys[0]!))
    .map((entry) => `invalid key "${entry.keys[0]}" on line ${entry.line}`);
  if (invalid.length) throw new Error(`failed to parse policy: path "${path}": ${multiError(invalid)}`);
  if (path.includes('+*'))
    throw new Error(`failed to parse policy: path "${path}": invalid use of wildcards ('+*' is forbidden)`);
  const field = (name: string) => body.items.find((entry) => entry.keys[0] === name)?.value;
  const capabilities: string[] = [];
  const old = field('policy');
  if (old !== undefined) {
    const mapped = OLD_POLICIES[String(old)];
    if (!mapped) throw new Error(`failed to parse policy: path "${path}": invalid policy "${String(old)}"`);
    capabilities.push(...mapped);
  }
  const listed = field('capabilities');
  if (listed !== undefined) {
    if (!Array.isArray(listed))
      throw new Error(`failed to parse policy: path "${path}": capabilities must be a list`);
    capabilities.push(...listed.map(String));
  }
  for (const capability of capabilities)
    if (!(CAPABILITIES as readonly string[]).includes(capability))
      throw new Error(`failed to parse policy: path "${path}": invalid capability "${capability}"`);
  return { path, capabilities: capabilities.includes('deny') ? ['deny'] : [...new Set(capabilities)] };
}

/** go-multierror's rendering of a list of errors. */
function multiError(messages: string[]): string {
  const count = messages.length === 1 ? '1 error occurred' : `${messages.length} errors occurred`;
  return `${count}:\n${messages.map((m) => `\t* ${m}`).join('\n')}\n\n`;
}

interface CompiledRule {
  pattern: string;
  capabilities: Set<string>;
  hasGlob: boolean;
  segments: string[];
  firstWildcard: number;
  plusCount: number;
}

function compile(pattern: string, capabilities: Set<string>): CompiledRule {
  const hasGlob = pattern.endsWith('*');
  const body = hasGlob ? pattern.slice(0, -1) : pattern;
  let plusIndex = -1;
  let offset = 0;
  for (const segment of body.split('/')) {
    if (segment === '+') {
      plusIndex = offset;
      break;
    }
    offset += segment.length + 1;
  }
  const starIndex = hasGlob ? pattern.length - 1 : -1;
  const candidates = [plusIndex, starIndex].filter((i) => i >= 0);
  return {
    pattern,
    capabilities,
    hasGlob,
    segments: body.split('/'),
    firstWildcard: candidates.length ? Math.min(...candidates) : Number.POSITIVE_INFINITY,
    plusCount: body.split('/').filter((s) => s === '+').length,
  };
}

function matches(rule: CompiledRule, path: string): boolean {
  const pathSegments = path.split('/');
  const { segments, hasGlob } = rule;
  if (!hasGlob && pathSegments.length !== segments.length) return false;
  if (hasGlob && pathSegments.length < segments.length) return false;
  for (let i = 0; i < segments.length; i++) {
    const want = segments[i]!;
    const got = pathSegments[i]!;
    const last = i === segments.length - 1;
    if (want === '+') {
      if (got === undefined) return false;
      continue;
    }
    // The segment that carries the `*` is a prefix match; the others must be equal.
    if (last && hasGlob) return got.startsWith(want);
    if (want !== got) return false;
  }
  return true;
}

/** Vault's priority order between two matching glob rules: true when `a` wins over `b`. */
function outranks(a: CompiledRule, b: CompiledRule): boolean {
  if (a.firstWildcard !== b.firstWildcard) return a.firstWildcard > b.firstWildcard;
  if (a.hasGlob !== b.hasGlob) return !a.hasGlob;
  if (a.plusCount !== b.plusCount) return a.plusCount < b.plusCount;
  if (a.pattern.length !== b.pattern.length) return a.pattern.length > b.pattern.length;
  return a.pattern > b.pattern;
}

/** The capabilities a set of policies grants on one path (exact rule first, then the highest-priority glob). */
export class Acl {
  readonly root: boolean;
  #exact = new Map<string, Set<string>>();
  #globs: CompiledRule[] = [];

  constructor(policies: StoredPolicy[], root = false) {
    this.root = root;
    const merged = new Map<string, Set<string>>();
    for (const policy of policies) {
      for (const rule of policy.rules) {
        const set = merged.get(rule.path) ?? new Set<string>();
        for (const c of rule.capabilities) set.add(c);
        merged.set(rule.path, set);
      }
    }
    for (const [pattern, capabilities] of merged) {
      const wild = pattern.endsWith('*') || pattern.split('/').includes('+');
      if (wild) this.#globs.push(compile(pattern, capabilities));
      else this.#exact.set(pattern, capabilities);
    }
  }

  capabilities(path: string): Set<string> {
    if (this.root) return new Set(['root']);
    const exact = this.#exact.get(path);
    if (exact) return exact;
    let best: CompiledRule | undefined;
    for (const rule of this.#globs) {
      if (matches(rule, path) && (!best || outranks(rule, best))) best = rule;
    }
    return best?.capabilities ?? new Set();
  }

  allows(path: string, capability: Capability): boolean {
    if (this.root) return true;
    // A rule written without the trailing slash also covers a LIST of the folder.
    const candidates = capability === 'list' && path.endsWith('/') ? [path, path.slice(0, -1)] : [path];
    for (const candidate of candidates) {
      const caps = this.capabilities(candidate);
      if (caps.has('deny')) return false;
      if (caps.has(capability)) return true;
    }
    return false;
  }
}

export function aclFor(token: Token, policies: Record<string, StoredPolicy>): Acl {
  if (token.policies.includes('root')) return new Acl([], true);
  const stored = token.policies
    .map((name) => (name === 'default' ? (policies.default ?? DEFAULT_POLICY) : policies[name]))
    .filter((p): p is StoredPolicy => p !== undefined);
  return new Acl(stored);
}
