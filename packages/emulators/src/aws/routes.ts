import {
  deleteResourcePolicy,
  getResourcePolicy,
  putResourcePolicy,
  validateResourcePolicy,
} from './policy-operations.js';
import type { SecretsStore } from './secrets.js';

type Handler = (
  store: SecretsStore,
  input: Record<string, any>,
  canRead: (name: string) => boolean,
) => unknown;

interface Operation {
  handler: Handler;
  /** Changes state (the snapshot file is rewritten after it). */
  mutates: boolean;
}

/** The operations served, by the name that follows `secretsmanager.` in `X-Amz-Target`. */
export const operations: Record<string, Operation> = {
  CreateSecret: { mutates: true, handler: (s, i) => s.createSecret(i) },
  GetSecretValue: { mutates: false, handler: (s, i) => s.getSecretValue(i) },
  PutSecretValue: { mutates: true, handler: (s, i) => s.putSecretValue(i) },
  UpdateSecret: { mutates: true, handler: (s, i) => s.updateSecret(i) },
  UpdateSecretVersionStage: { mutates: true, handler: (s, i) => s.updateSecretVersionStage(i) },
  DescribeSecret: { mutates: false, handler: (s, i) => s.describeSecret(i) },
  ListSecrets: { mutates: false, handler: (s, i) => s.listSecrets(i) },
  ListSecretVersionIds: { mutates: false, handler: (s, i) => s.listSecretVersionIds(i) },
  DeleteSecret: { mutates: true, handler: (s, i) => s.deleteSecret(i) },
  RestoreSecret: { mutates: true, handler: (s, i) => s.restoreSecret(i) },
  TagResource: { mutates: true, handler: (s, i) => s.tagResource(i) },
  UntagResource: { mutates: true, handler: (s, i) => s.untagResource(i) },
  BatchGetSecretValue: { mutates: false, handler: (s, i, canRead) => s.batchGetSecretValue(i, canRead) },
  PutResourcePolicy: { mutates: true, handler: putResourcePolicy },
  GetResourcePolicy: { mutates: false, handler: getResourcePolicy },
  DeleteResourcePolicy: { mutates: true, handler: deleteResourcePolicy },
  ValidateResourcePolicy: { mutates: false, handler: validateResourcePolicy },
};

export const TARGET_PREFIX = 'secretsmanager.';
export const CONTENT_TYPE = 'application/x-amz-json-1.1';
