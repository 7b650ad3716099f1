import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Key Vault's secret permissions (access-policy names). */
export type SecretPermission = 'get' | 'list' | 'set' | 'delete' | 'recover' | 'purge' | 'backup' | 'restore';

export const ALL_SECRET_PERMISSIONS: readonly SecretPermission[] = Object.freeze([
  'get',
  'list',
  'set',
  'delete',
  'recover',
  'purge',
  'backup',
  'restore',
]);

/** The audience Key Vault expects in a token, and the resource its challenge names. */
export const KEY_VAULT_RESOURCE = 'https://vault.azure.net';

/** A bearer token accepted as is, for a `TokenCredential` that returns a fixed string in tests. */
export interface StaticToken {
  token: string;
  /** Defaults to every secret permission. */
  permissions?: SecretPermission[];
}

/** A service principal the local token endpoint knows (client-credentials flow). */
export interface ServicePrincipal {
  clientId: string;
  clientSecret: string;
  permissions?: SecretPermission[];
}

export interface Caller {
  /** appid of the caller, or `static` for a token from the static list. */
  appId: string;
  objectId: string;
  permissions: ReadonlySet<SecretPermission>;
}

export type TokenCheck = { ok: true; caller: Caller } | { ok: false; code: 'Unauthorized'; message: string };

interface TokenClaims {
  aud: string;
  iss: string;
  tid: string;
  appid: string;
  oid: string;
  iat: number;
  nbf: number;
  exp: number;
  /** Permissions granted to the principal, kept in the token so verification needs no lookup. */
  perms: SecretPermission[];
}

const base64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/**
 * Issues and verifies the bearer tokens the vault accepts: HS256 JWTs signed with a key made at
 * start (what the local token endpoint hands out), plus a static list of opaque tokens.
 */
export class TokenAuthority {
  readonly #signingKey = randomBytes(32);
  readonly #static = new Map<string, Caller>();
  readonly #principals = new Map<string, ServicePrincipal>();
  /** Tokens issued by the token endpoint. */
  issued = 0;

  constructor(
    readonly tenantId: string,
    principals: ServicePrincipal[],
    staticTokens: Array<string | StaticToken>,
    private readonly tokenLifetimeSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    for (const principal of principals) this.#principals.set(principal.clientId, principal);
    for (const entry of staticTokens) {
      const { token, permissions } =
        typeof entry === 'string' ? { token: entry, permissions: undefined } : entry;
      this.#static.set(token, {
        appId: 'static',
        objectId: 'static',
        permissions: new Set(permissions ?? ALL_SECRET_PERMISSIONS),
      });
    }
  }

  get issuer(): string {
    return `https://sts.windows.net/${this.tenantId}/`;
  }

  principal(clientId: string): ServicePrincipal | undefined {
    return this.#principals.get(clientId);
  }

  /** Adds a token accepted from now on (e.g. one a test's credential returns). */
  addStaticToken(token: string, permissions: SecretPermission[] = [...ALL_SECRET_PERMISSIONS]): void {
    this.#static.set(token, { appId: 'static', objectId: 'static', permissions: new Set(permissions) });
  }

  /** Mints a signed access token for a principal and an audience (resource). */
  mint(
    appId: string,
    permissions: readonly SecretPermission[],
    audience = KEY_VAULT_RESOURCE,
  ): { token: string; expiresIn: number } {
    const now = Math.floor(this.now() / 1000);
    const claims: TokenClaims = {
      aud: audience,
      iss: this.issuer,
      tid: this.tenantId,
      appid: appId,
      oid: randomUUID(),
      iat: now,
      nbf: now,
      exp: now + this.tokenLifetimeSeconds,
      perms: [...permissions],
    };
    const head = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const body = base64url(JSON.stringify(claims));
    const signature = createHmac('sha256', this.#signingKey).update(`${head}.${body}`).digest('base64url');
    this.issued++;
    return { token: `${head}.${body}.${signature}`, expiresIn: this.tokenLifetimeSeconds };
  }

  /** Checks an `Authorization` header the way Key Vault does (messages after the service's). */
  verify(header: string | undefined): TokenCheck {
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match)
      return {
        ok: false,
        code: 'Unauthorized',
        message: 'AKV10000: Request is missing a Bearer or PoP token.',
      };
    const token = match[1]!;
    const fixed = this.#static.get(token);
    if (fixed) return { ok: true, caller: fixed };

    const parts = token.split('.');
    if (parts.length !== 3)
      return {
        ok: false,
        code: 'Unauthorized',
        message: 'AKV10000: Request is missing a Bearer or PoP token.',
      };
    const expected = createHmac('sha256', this.#signingKey).update(`${parts[0]}.${parts[1]}`).digest();
    const given = Buffer.from(parts[2]!, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return {
        ok: false,
        code: 'Unauthorized',
        message: 'AKV10046: Unable to resolve the key used for signature validation.',
      };
    let claims: TokenClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as TokenClaims;
    } catch {
      return {
        ok: false,
        code: 'Unauthorized',
        message: 'AKV10000: Request is missing a Bearer or PoP token.',
      };
    }
    if (claims.iss !== this.issuer)
      return {
        ok: false,
        code: 'Unauthorized',
        message: `AKV10032: Invalid issuer. Expected one of ${this.issuer}, found: ${claims.iss}.`,
      };
    if (claims.aud.replace(/\/$/, '') !== KEY_VAULT_RESOURCE)
      return {
        ok: false,
        code: 'Unauthorized',
        message: `AKV10022: Invalid audience. Expected ${KEY_VAULT_RESOURCE}, found: ${claims.aud}.`,
      };
    if (claims.exp <= Math.floor(this.now() / 1000))
      return {
        ok: false,
        code: 'Unauthorized',
        message: "[TokenExpired] Error validating token: 'S2S12086'.",
      };
    return {
      ok: true,
      caller: { appId: claims.appid, objectId: claims.oid, permissions: new Set(claims.perms) },
    };
  }

  /** The `WWW-Authenticate` value of every 401, which the SDK's challenge policy parses. */
  challenge(): string {
    return `Bearer authorization="https://login.microsoftonline.com/${this.tenantId}", resource="${KEY_VAULT_RESOURCE}"`;
  }
}

/** A random client secret in the shape Entra ID hands out. */
export function newClientSecret(): string {
  return randomBytes(30).toString('base64url');
}
