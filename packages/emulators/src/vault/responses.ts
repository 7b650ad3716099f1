import type { VaultState } from './state.js';
import { newUuid } from './state.js';

export interface VaultRequest {
  /** GET, POST, PUT, PATCH, DELETE, or LIST (a GET with `?list=true`). */
  operation: 'read' | 'write' | 'patch' | 'delete' | 'list';
  path: string;
  query: URLSearchParams;
  body: Record<string, unknown>;
  token: string | undefined;
  namespace: string;
  contentType: string;
}

export interface VaultResponse {
  status: number;
  /** Omitted for 204. */
  body?: unknown;
}

export interface RouterSettings {
  kvMounts: string[];
  approleMount: string;
  kubernetesMount: string;
  /** Seconds. */
  defaultTokenTtl: number;
  maxTokenTtl: number;
}

/** Vault's answer for a missing, unknown or expired token. */
export const TOKEN_DENIED: VaultResponse = { status: 403, body: { errors: ['permission denied'] } };
/** Vault's answer when a valid token's policies do not grant the capability. */
export const POLICY_DENIED: VaultResponse = {
  status: 403,
  body: { errors: ['1 error occurred:\n\t* permission denied\n\n'] },
};
export const NOT_FOUND: VaultResponse = { status: 404, body: { errors: [] } };
export const NO_CONTENT: VaultResponse = { status: 204 };

/** An error answer: Vault's `{"errors": [...]}` body. */
export function errors(status: number, ...messages: string[]): VaultResponse {
  return { status, body: { errors: messages } };
}

interface EnvelopeExtras {
  auth?: Record<string, unknown> | null;
  warnings?: string[] | null;
  mountType?: string;
}

/** The response envelope every Vault answer with a body shares. */
export function envelope(data: unknown, extras: EnvelopeExtras = {}, status = 200): VaultResponse {
  return {
    status,
    body: {
      request_id: newUuid(),
      lease_id: '',
      renewable: false,
      lease_duration: 0,
      data,
      wrap_info: null,
      warnings: extras.warnings ?? null,
      auth: extras.auth ?? null,
      mount_type: extras.mountType ?? '',
    },
  };
}

/** What every route handler works on. */
export interface RouteContext {
  state: VaultState;
  settings: RouterSettings;
}

/** Whether a token's policies grant a capability on a path (the request's own path by default). */
export type Allowed = (capability: import('./auth.js').Capability, aclPath?: string) => boolean;

export function noHandler(path: string): VaultResponse {
  return errors(404, `no handler for route "${path}". route entry not found.`);
}

export function stringList(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value)) return value.map(String).filter((s) => s.length > 0);
  return String(value)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
