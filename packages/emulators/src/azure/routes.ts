import type { SecretPermission } from './auth.js';

/** What a route hands back to the server: a status, a JSON body and extra headers. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** Key Vault's error body: `{"error":{"code","message","innererror"?}}`. */
export function errorReply(
  status: number,
  code: string,
  message: string,
  inner?: string,
  headers?: Record<string, string>,
): Reply {
  return {
    status,
    body: { error: { code, message, ...(inner ? { innererror: { code: inner } } : {}) } },
    ...(headers ? { headers } : {}),
  };
}

export type Operation =
  | 'SetSecret'
  | 'GetSecret'
  | 'UpdateSecret'
  | 'DeleteSecret'
  | 'GetSecrets'
  | 'GetSecretVersions'
  | 'GetDeletedSecrets'
  | 'GetDeletedSecret'
  | 'PurgeDeletedSecret'
  | 'RecoverDeletedSecret'
  | 'BackupSecret'
  | 'RestoreSecret';

export interface Route {
  operation: Operation;
  permission: SecretPermission;
  name?: string;
  version?: string;
}

/** Key Vault object names: 1 to 127 of letters, digits and dashes. */
export const SECRET_NAME = /^[0-9a-zA-Z-]{1,127}$/;
/** Largest value the service accepts (25k bytes). */
export const MAX_VALUE_BYTES = 25 * 1024;
/** Most tags per secret version. */
export const MAX_TAGS = 15;
/** Page size limit of every list operation (the `maxresults` maximum and default). */
export const MAX_PAGE_SIZE = 25;

/** Maps method and path to an operation, or to the 404/405 the service would answer. */
export function resolveRoute(method: string, pathname: string): Route | Reply {
  const segments = pathname.split('/').slice(1);
  let decoded: string[];
  try {
    decoded = segments.map((s) => decodeURIComponent(s));
  } catch {
    return errorReply(400, 'BadParameter', `The request URI '${pathname}' is not valid.`);
  }
  const [collection, rawName, third, fourth] = decoded;
  const notFound = errorReply(404, 'NotFound', `The requested resource '${pathname}' was not found.`);
  const notAllowed = errorReply(
    405,
    'MethodNotAllowed',
    `The requested method '${method}' is not allowed on '${pathname}'.`,
  );
  if (segments.length > 4 || (segments.length === 4 && fourth !== '')) return notFound;

  if (collection === 'secrets') {
    if (rawName === undefined || rawName === '') {
      if (segments.length > 2) return notFound;
      return method === 'GET' ? { operation: 'GetSecrets', permission: 'list' } : notAllowed;
    }
    if (rawName === 'restore' && third === undefined)
      return method === 'POST' ? { operation: 'RestoreSecret', permission: 'restore' } : notAllowed;
    const name = rawName;
    if (third === undefined) {
      if (method === 'PUT') return { operation: 'SetSecret', permission: 'set', name };
      if (method === 'DELETE') return { operation: 'DeleteSecret', permission: 'delete', name };
      if (method === 'GET') return { operation: 'GetSecret', permission: 'get', name, version: '' };
      return notAllowed;
    }
    if (third === 'versions')
      return method === 'GET' ? { operation: 'GetSecretVersions', permission: 'list', name } : notAllowed;
    if (third === 'backup')
      return method === 'POST' ? { operation: 'BackupSecret', permission: 'backup', name } : notAllowed;
    if (method === 'GET') return { operation: 'GetSecret', permission: 'get', name, version: third };
    if (method === 'PATCH') return { operation: 'UpdateSecret', permission: 'set', name, version: third };
    return notAllowed;
  }

  if (collection === 'deletedsecrets') {
    if (rawName === undefined || rawName === '') {
      if (segments.length > 2) return notFound;
      return method === 'GET' ? { operation: 'GetDeletedSecrets', permission: 'list' } : notAllowed;
    }
    if (third === undefined || third === '') {
      if (method === 'GET') return { operation: 'GetDeletedSecret', permission: 'get', name: rawName };
      if (method === 'DELETE') return { operation: 'PurgeDeletedSecret', permission: 'purge', name: rawName };
      return notAllowed;
    }
    if (third === 'recover')
      return method === 'POST'
        ? { operation: 'RecoverDeletedSecret', permission: 'recover', name: rawName }
        : notAllowed;
  }
  return notFound;
}
