import { optionNames } from './toolkit/options.js';
import type {
  DeleteSecretOptions,
  GetSecretOptions,
  ListSecretsOptions,
  ResolveOptions,
  RotateSecretOptions,
  SetSecretOptions,
  VersionOptions,
} from './types.js';

// Every option each call of the manager takes; a call given another is refused. The lists are
// complete by construction: each names every key of its options type, and no other.

export const GET_OPTIONS = optionNames<GetSecretOptions>()({
  required: true,
  version: true,
  provider: true,
  field: true,
  accessor: true,
  scope: true,
  fresh: true,
  previous: true,
});
export const GET_MANY_OPTIONS = optionNames<Omit<GetSecretOptions, 'version' | 'field' | 'previous'>>()({
  required: true,
  provider: true,
  accessor: true,
  scope: true,
  fresh: true,
});
export const SET_OPTIONS = optionNames<SetSecretOptions>()({
  provider: true,
  scope: true,
  tags: true,
  expiresAt: true,
  actor: true,
  metadata: true,
  expectedVersion: true,
});
export const ROTATE_OPTIONS = optionNames<RotateSecretOptions>()({
  newValue: true,
  generator: true,
  actor: true,
  expireOldVersion: true,
  expiresAt: true,
  provider: true,
  scope: true,
  expectedVersion: true,
  keepPrevious: true,
});
export const DELETE_OPTIONS = optionNames<DeleteSecretOptions>()({
  provider: true,
  actor: true,
  scope: true,
  permanent: true,
});
export const LIST_OPTIONS = optionNames<ListSecretsOptions>()({
  prefix: true,
  pattern: true,
  scope: true,
  tags: true,
  provider: true,
  includeExpired: true,
  accessor: true,
  fresh: true,
});
export const VERSION_OPTIONS = optionNames<VersionOptions>()({
  provider: true,
  accessor: true,
  actor: true,
  scope: true,
  expiresAt: true,
});
export const RESOLVE_OPTIONS = optionNames<ResolveOptions>()({
  accessor: true,
  provider: true,
  scope: true,
  defaultsOnOutage: true,
});
