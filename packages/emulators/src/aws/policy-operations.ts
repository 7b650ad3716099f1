import { AwsError, validation } from './errors.js';
import type { Input, Output } from './model.js';
import { findings, parseResourcePolicy } from './resource-policy.js';
import type { SecretsStore } from './secrets.js';

/** PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy and ValidateResourcePolicy. */

export function putResourcePolicy(store: SecretsStore, input: Input): Output {
  const secret = store.secret(input.SecretId, true);
  const statements = parseResourcePolicy(input.ResourcePolicy);
  if (input.BlockPublicPolicy !== undefined && typeof input.BlockPublicPolicy !== 'boolean')
    throw validation(
      "1 validation error detected: Value at 'blockPublicPolicy' failed to satisfy constraint",
    );
  const problems = findings(statements);
  if (input.BlockPublicPolicy === true && problems.some((p) => p.CheckName === 'BROAD_ACCESS'))
    throw new AwsError(
      'PublicPolicyException',
      'This resource policy will grant public access to this resource. Use BlockPublicPolicy=false to override.',
    );
  secret.resourcePolicy = input.ResourcePolicy;
  return { ARN: secret.arn, Name: secret.name };
}

export function getResourcePolicy(store: SecretsStore, input: Input): Output {
  const secret = store.secret(input.SecretId, false);
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.resourcePolicy ? { ResourcePolicy: secret.resourcePolicy } : {}),
  };
}

export function deleteResourcePolicy(store: SecretsStore, input: Input): Output {
  const secret = store.secret(input.SecretId, true);
  delete secret.resourcePolicy;
  return { ARN: secret.arn, Name: secret.name };
}

/** Syntax errors are thrown (MalformedPolicyDocumentException); the other checks are reported. */
export function validateResourcePolicy(store: SecretsStore, input: Input): Output {
  // SecretId is optional here; when given, the secret must exist.
  if (input.SecretId !== undefined) store.secret(input.SecretId, false);
  const problems = findings(parseResourcePolicy(input.ResourcePolicy));
  return { PolicyValidationPassed: problems.length === 0, ValidationErrors: problems };
}
