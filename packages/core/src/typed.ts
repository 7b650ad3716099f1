import { ValidationError } from './errors.js';
import { splitFieldReference } from './names.js';
import type { Secret, SecretInfo } from './secret.js';
import type { GetSecretOptions, ISecretManager, ResolveOptions, SetSecretOptions } from './types.js';

/** What is checked of one secret in every environment, or in one (`environments:` overrides). */
export interface SecretRules {
  /** The secret must exist (default true). */
  required?: boolean;
  /** A regular expression the whole value must match. */
  pattern?: string;
  minLength?: number;
  /** The value is a JSON object. */
  json?: boolean;
  /** Fields a JSON value must have (dot paths); implies `json`. */
  fields?: readonly string[];
  /** How often the value should change (`'90d'`). */
  rotation?: string;
}

/** What the `schema:` section of `hush.config.yaml` declares about one secret. */
export interface SecretDeclaration extends SecretRules {
  description?: string;
  /** Rules that differ in some environments: `{ prod: { pattern: '^postgres://.*sslmode=require' } }`. */
  environments?: Readonly<Record<string, SecretRules>>;
}

/** Declarations by secret name: the `schema:` section, or a literal given to `defineSecrets`. */
export type SecretSchema = Readonly<Record<string, SecretDeclaration>>;

/**
 * The secrets an application declares. Empty here; the file `hush types` writes fills it in
 * (`declare module '@hush/core' { interface HushSecrets { 'db/url': {...} } }`), and every
 * `defineSecrets(manager)` is then checked against it.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by module augmentation
export interface HushSecrets {}

/** `HushSecrets` once generated; any name before that. */
export type DeclaredSecrets = keyof HushSecrets extends never ? SecretSchema : HushSecrets;

/** The declared names of a schema. */
export type SecretName<S> = Extract<keyof S, string>;

/** The declared fields of a JSON secret; `string` when it declares none. */
export type FieldName<S, N extends keyof S> = S[N] extends { fields: readonly (infer F)[] }
  ? F & string
  : string;

/** A name, or `name#field` for a field of a JSON secret. */
export type SecretRef<S> = {
  [N in SecretName<S>]: N | `${N}#${FieldName<S, N>}`;
}[SecretName<S>];

type Target<R extends string> = R extends `${infer T}:${string}` ? T : R;
type RefName<R extends string> = Target<R> extends `${infer N}#${string}` ? N : Target<R>;
type RefField<R extends string> = Target<R> extends `${string}#${infer F}` ? F : never;

/** The insides of the `${secret:...}` references of a string (`$${secret:x}` is literal). */
type References<T extends string> = T extends `${infer Before}\${secret:${infer Inner}}${infer After}`
  ? Before extends `${string}$`
    ? References<After>
    : Inner | References<After>
  : never;

type Unknown<S, R extends string> = R extends unknown
  ? RefName<R> extends SecretName<S>
    ? [RefField<R>] extends [never]
      ? never
      : RefField<R> extends FieldName<S, RefName<R>>
        ? never
        : R
    : R
  : never;

/** A string of a document, or an error naming the references to secrets that are not declared. */
type CheckedString<S, T extends string> = string extends T
  ? T
  : [Unknown<S, References<T>>] extends [never]
    ? T
    : `undeclared secret in \${secret:${Unknown<S, References<T>>}}`;

/** A document whose every `${secret:...}` reference names a declared secret (and field). */
export type CheckedDocument<S, T> = T extends string
  ? CheckedString<S, T>
  : T extends object
    ? { [K in keyof T]: CheckedDocument<S, T[K]> }
    : T;

/** What `resolve` gives for a document: references become strings; literals widen to their types. */
export type Resolved<T> = T extends string
  ? string
  : T extends number
    ? number
    : T extends boolean
      ? boolean
      : T extends object
        ? { -readonly [K in keyof T]: Resolved<T[K]> }
        : T;

/** A manager seen through a schema: names and references are checked when the code compiles. */
export interface TypedSecrets<S> {
  /** The manager itself, for what the typed view does not cover. */
  readonly manager: ISecretManager;
  /** The declared names (those given at run time; empty when the types alone declare them). */
  readonly names: readonly string[];
  getSecret(name: SecretRef<S>, options: GetSecretOptions & { required: true }): Promise<Secret>;
  getSecret(name: SecretRef<S>, options?: GetSecretOptions): Promise<Secret | null>;
  setSecret(name: SecretName<S>, value: string, options?: SetSecretOptions): Promise<SecretInfo>;
  /** Replaces the references of a document; a reference to an undeclared secret does not compile. */
  resolve<const T>(document: T & CheckedDocument<S, T>, options?: ResolveOptions): Promise<Resolved<T>>;
}

/**
 * A typed view of a manager. Without a schema it takes the declarations `hush types` generated
 * (`HushSecrets`); with one (a literal, `as const` not needed) it takes those and also refuses
 * undeclared names at run time.
 *
 * ```ts
 * const secrets = defineSecrets(manager);
 * const url = await secrets.getSecret('db/url', { required: true }); // 'db/ur1' does not compile
 * const config = await secrets.resolve({ db: { url: '${secret:db/url}' }, port: 5432 });
 * ```
 */
export function defineSecrets<const S = DeclaredSecrets>(
  manager: ISecretManager,
  schema?: S,
): TypedSecrets<S> {
  const names = schema ? Object.keys(schema as object) : [];
  const declared = new Set(names);
  const check = (name: string): void => {
    if (!schema) return;
    const { name: base } = splitFieldReference(name);
    if (!declared.has(base))
      throw new ValidationError(`secret '${base}' is not declared (declared: ${names.join(', ') || 'none'})`);
  };
  const view = {
    manager,
    names,
    async getSecret(name: string, options?: GetSecretOptions) {
      check(name);
      return manager.getSecret(name, options);
    },
    async setSecret(name: string, value: string, options?: SetSecretOptions) {
      check(name);
      return manager.setSecret(name, value, options);
    },
    resolve(document: unknown, options?: ResolveOptions) {
      return manager.resolve(document, options);
    },
  };
  return view as unknown as TypedSecrets<S>;
}
