import type { PolicyRule, StoredPolicy, Token } from './state.js';

export const CAPABILITIES = ['create', 'read', 'update', 'patch', 'delete', 'list', 'sudo', 'deny'] as const;
export type Capability = (typeof CAPABILITIES)[number];

/**
 * Vault's built-in `default` policy, reduced to what a client needs: every non-root token may
 * look itself up, renew and revoke itself.
 */
export const DEFAULT_POLICY: StoredPolicy = {
  raw: '',
  rules: [
    { path: 'auth/token/lookup-self', capabilities: ['read'] },
    { path: 'auth/token/renew-self', capabilities: ['update'] },
    { path: 'auth/token/revoke-self', capabilities: ['update'] },
    { path: 'sys/capabilities-self', capabilities: ['update'] },
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
 * Reads the subset of Vault's policy language that ACL policies use:
 * `path "<glob>" { capabilities = ["read", ...] }` blocks, in HCL or in the JSON form
 * `{"path": {"<glob>": {"capabilities": [...]}}}`.
 */
export function parsePolicy(text: string): PolicyRule[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const parsed = JSON.parse(trimmed) as { path?: Record<string, { capabilities?: string[] }> };
    return Object.entries(parsed.path ?? {}).map(([path, body]) => ({
      path,
      capabilities: checkCapabilities(body.capabilities ?? []),
    }));
  }
  const withoutComments = trimmed.replace(/(^|\s)(#|\/\/)[^\n]*/g, '$1');
  const rules: PolicyRule[] = [];
  const block = /path\s+"([^"]*)"\s*\{([^}]*)\}/g;
  for (const match of withoutComments.matchAll(block)) {
    const caps = /capabilities\s*=\s*\[([^\]]*)\]/.exec(match[2]!);
    const list = caps ? [...caps[1]!.matchAll(/"([^"]*)"/g)].map((m) => m[1]!) : [];
    rules.push({ path: match[1]!, capabilities: checkCapabilities(list) });
  }
  if (rules.length === 0 && trimmed.length > 0)
    throw new Error('failed to parse policy: no path blocks found');
  return rules;
}

function checkCapabilities(list: string[]): string[] {
  for (const capability of list) {
    if (!(CAPABILITIES as readonly string[]).includes(capability))
      throw new Error(`failed to parse policy: invalid capability "${capability}"`);
  }
  return list;
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
