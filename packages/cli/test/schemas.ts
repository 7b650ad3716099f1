import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

const SCHEMAS = join(dirname(dirname(fileURLToPath(import.meta.url))), 'schemas');
const ajv = new Ajv({ allErrors: true, strict: true });
// CommonJS under ESM: the function is the module itself or its `default`.
const withFormats = (addFormats as unknown as { default?: typeof addFormats }).default ?? addFormats;
withFormats(ajv);

const describeErrors = (errors: ErrorObject[] | null | undefined): string =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');

/** Asserts that a command's `--json` output matches its schema in `packages/cli/schemas/`. */
export function expectSchema(command: string, output: unknown): void {
  const id = `${command}.schema.json`;
  if (!ajv.getSchema(id)) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, id), 'utf8')), id);
  const validate = ajv.getSchema(id)!;
  const ok = validate(output);
  expect(ok, `${id}: ${describeErrors(validate.errors)}`).toBe(true);
}

// The OASIS SARIF 2.1.0 schema (errata 01) is draft-04.
const sarifAjv = new ((AjvDraft04 as unknown as { default?: typeof AjvDraft04 }).default ?? AjvDraft04)({
  allErrors: true,
  strict: false,
});
withFormats(sarifAjv as unknown as Ajv);
const sarifSchema = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures/sarif-schema-2.1.0.json'), 'utf8'),
);
const validateSarif = sarifAjv.compile(sarifSchema);

/** Asserts that a document is a valid SARIF 2.1.0 log. */
export function expectSarif(document: unknown): void {
  const ok = validateSarif(document);
  expect(ok, `SARIF 2.1.0: ${describeErrors(validateSarif.errors as ErrorObject[] | null)}`).toBe(true);
}
