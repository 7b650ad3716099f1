import {
  DeleteResourcePolicyCommand,
  GetResourcePolicyCommand,
  PutResourcePolicyCommand,
  ValidateResourcePolicyCommand,
} from '@aws-sdk/client-secrets-manager';
import { type HushError, ValidationError } from '@hush/core';
import { errorName } from './mapping.js';

/** How the provider sends one command for a secret (counted, abortable, errors left raw). */
export type SendFor = <C>(command: C, operation: string) => Promise<any>;

/** AWS's answers to a policy it will not store: the caller's document, not an outage. */
const REFUSALS = new Set(['MalformedPolicyDocumentException', 'PublicPolicyException']);

/**
 * A secret's resource policy, as `aws secretsmanager put-resource-policy` manages it: checked
 * first with ValidateResourcePolicy (its findings refuse the document), then stored with
 * BlockPublicPolicy, so that a policy granting the world is refused as AWS would.
 */
export class ResourcePolicies {
  constructor(
    private readonly send: SendFor,
    private readonly mapError: (error: unknown, operation: string) => HushError,
  ) {}

  async put(secretId: string, document: string): Promise<void> {
    try {
      const checked = await this.send(
        new ValidateResourcePolicyCommand({ SecretId: secretId, ResourcePolicy: document }),
        'putPolicy',
      );
      const findings = (checked.ValidationErrors ?? []) as Array<{
        CheckName?: string;
        ErrorMessage?: string;
      }>;
      if (checked.PolicyValidationPassed === false)
        throw new ValidationError(
          `the resource policy for '${secretId}' failed validation: ${findings
            .map((f) => `${f.CheckName ?? 'check'}: ${f.ErrorMessage ?? 'failed'}`)
            .join('; ')}`,
        );
      await this.send(
        new PutResourcePolicyCommand({
          SecretId: secretId,
          ResourcePolicy: document,
          BlockPublicPolicy: true,
        }),
        'putPolicy',
      );
    } catch (error) {
      throw this.#refusal(error, 'putPolicy');
    }
  }

  async get(secretId: string): Promise<string | null> {
    try {
      const answer = await this.send(new GetResourcePolicyCommand({ SecretId: secretId }), 'getPolicy');
      return (answer.ResourcePolicy as string | undefined) ?? null;
    } catch (error) {
      throw this.#refusal(error, 'getPolicy');
    }
  }

  async delete(secretId: string): Promise<boolean> {
    // DeleteResourcePolicy succeeds on a secret without one: look first, so that the answer is true.
    if ((await this.get(secretId)) === null) return false;
    try {
      await this.send(new DeleteResourcePolicyCommand({ SecretId: secretId }), 'deletePolicy');
      return true;
    } catch (error) {
      throw this.#refusal(error, 'deletePolicy');
    }
  }

  #refusal(error: unknown, operation: string): HushError {
    if (error instanceof ValidationError) return error;
    const name = errorName(error as never);
    if (REFUSALS.has(name))
      return new ValidationError(`AWS refused the resource policy (${name}: ${(error as Error).message})`);
    return this.mapError(error, operation);
  }
}
