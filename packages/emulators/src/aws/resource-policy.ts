import { AwsError } from './errors.js';

/**
 * A secret's resource-based policy, checked as ValidateResourcePolicy documents its three checks:
 * the syntax of an IAM policy document, broad access (a wildcard principal that no condition
 * narrows), and a lockout (a statement that denies everyone the right to change the policy).
 */

export interface ValidationEntry {
  CheckName: string;
  ErrorMessage: string;
}

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Condition?: unknown;
}

const VERSIONS = ['2012-10-17', '2008-10-17'];
const STATEMENT_KEYS = [
  'Sid',
  'Effect',
  'Principal',
  'NotPrincipal',
  'Action',
  'NotAction',
  'Resource',
  'NotResource',
  'Condition',
];
/** Condition keys that tie a wildcard principal to a known account, organisation or source. */
const NARROWING_KEYS = [
  'aws:principalaccount',
  'aws:principalarn',
  'aws:principalorgid',
  'aws:principalorgpaths',
  'aws:sourceaccount',
  'aws:sourcearn',
  'aws:sourcevpc',
  'aws:sourcevpce',
  'aws:sourceowner',
  'aws:userid',
];
const POLICY_ACTIONS = ['secretsmanager:putresourcepolicy', 'secretsmanager:deleteresourcepolicy'];

const malformed = (message: string) => new AwsError('MalformedPolicyDocumentException', message);

const list = (value: unknown): unknown[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function principals(value: unknown): string[] {
  if (value === '*') return ['*'];
  if (value && typeof value === 'object' && !Array.isArray(value))
    return Object.values(value as Record<string, unknown>).flatMap((v) => list(v).map(String));
  return [];
}

function matchesAction(patterns: unknown[], action: string): boolean {
  return patterns.some((raw) => {
    const pattern = String(raw).toLowerCase();
    if (pattern === '*') return true;
    if (pattern.endsWith('*')) return action.startsWith(pattern.slice(0, -1));
    return pattern === action;
  });
}

/** Parses and checks the syntax; a document that is not a policy is MalformedPolicyDocumentException. */
export function parseResourcePolicy(text: unknown): Statement[] {
  if (typeof text !== 'string' || text.length === 0)
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'resourcePolicy' failed to satisfy constraint: Member must have length greater than or equal to 1",
      400,
      'message',
    );
  if (text.length > 20_480)
    throw new AwsError(
      'ValidationException',
      "1 validation error detected: Value at 'resourcePolicy' failed to satisfy constraint: Member must have length less than or equal to 20480",
      400,
      'message',
    );
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw malformed('This resource policy contains a syntax error.');
  }
  if (!document || typeof document !== 'object' || Array.isArray(document))
    throw malformed('This resource policy contains a syntax error.');
  const { Version, Statement } = document as { Version?: unknown; Statement?: unknown };
  if (Version !== undefined && !VERSIONS.includes(String(Version)))
    throw malformed(`The policy document has an invalid Version: ${String(Version)}.`);
  const statements = list(Statement);
  if (statements.length === 0) throw malformed('This resource policy contains an unsupported statement.');
  return statements.map((raw, index) => {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw))
      throw malformed(`Statement ${index + 1} is not an object.`);
    const statement = raw as Statement;
    const unknown = Object.keys(statement).find((key) => !STATEMENT_KEYS.includes(key));
    if (unknown) throw malformed(`Statement ${index + 1} has an unsupported element: ${unknown}.`);
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny')
      throw malformed(`Statement ${index + 1} needs an Effect of Allow or Deny.`);
    if ((statement.Action === undefined) === (statement.NotAction === undefined))
      throw malformed(`Statement ${index + 1} needs exactly one of Action and NotAction.`);
    if ((statement.Principal === undefined) === (statement.NotPrincipal === undefined))
      throw malformed(
        `Statement ${index + 1} needs a Principal (or NotPrincipal): a resource policy names who it applies to.`,
      );
    for (const action of list(statement.Action ?? statement.NotAction)) {
      const text = String(action).toLowerCase();
      if (text !== '*' && !text.startsWith('secretsmanager:'))
        throw malformed(`Statement ${index + 1} has an action outside Secrets Manager: ${String(action)}.`);
    }
    return statement;
  });
}

function narrowedByCondition(condition: unknown): boolean {
  if (!condition || typeof condition !== 'object') return false;
  return Object.values(condition as Record<string, unknown>).some(
    (block) =>
      block &&
      typeof block === 'object' &&
      Object.keys(block as Record<string, unknown>).some((key) => NARROWING_KEYS.includes(key.toLowerCase())),
  );
}

/** Broad access and lockout findings of a policy whose syntax is valid. */
export function findings(statements: Statement[]): ValidationEntry[] {
  const found: ValidationEntry[] = [];
  for (const statement of statements) {
    const wildcard = principals(statement.Principal).includes('*') || statement.NotPrincipal !== undefined;
    if (statement.Effect === 'Allow' && wildcard && !narrowedByCondition(statement.Condition))
      found.push({
        CheckName: 'BROAD_ACCESS',
        ErrorMessage:
          'This resource policy grants access to the secret to a wildcard principal that no condition narrows.',
      });
    if (
      statement.Effect === 'Deny' &&
      principals(statement.Principal).includes('*') &&
      statement.Condition === undefined &&
      POLICY_ACTIONS.some((action) => matchesAction(list(statement.Action), action))
    )
      found.push({
        CheckName: 'LOCKOUT',
        ErrorMessage:
          'This resource policy denies everyone secretsmanager:PutResourcePolicy or DeleteResourcePolicy, so that no caller could change it again.',
      });
  }
  return found;
}

/** True when a stored policy explicitly denies this principal the action (an explicit Deny wins). */
export function deniesExplicitly(text: string | undefined, principalArn: string, operation: string): boolean {
  if (!text) return false;
  let statements: Statement[];
  try {
    statements = parseResourcePolicy(text);
  } catch {
    return false;
  }
  const action = `secretsmanager:${operation.toLowerCase()}`;
  return statements.some((statement) => {
    if (statement.Effect !== 'Deny' || statement.Condition !== undefined) return false;
    const who = principals(statement.Principal);
    const matchesPrincipal = who.includes('*') || who.includes(principalArn);
    const actions = list(statement.Action);
    return matchesPrincipal && actions.length > 0 && matchesAction(actions, action);
  });
}
