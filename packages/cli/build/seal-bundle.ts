import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import ts from 'typescript';
import { HASH_MARK, IMPORT_NAME, WRAPPER_HEAD, WRAPPER_TAIL } from '../src/code-cache.js';

/**
 * The positions of every `import(...)` call left in a bundle: those of packages found at run time
 * (providers, optional plugins, node-pty, vendored files). esbuild has turned the bundle's own
 * import()s into lazy initialisers already, so every one left is a real module load.
 */
function dynamicImports(code: string): number[] {
  const file = ts.createSourceFile('bundle.cjs', code, ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const found: number[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword)
      found.push(node.expression.getStart(file));
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

/**
 * Makes the built bundle ready for the code-cache loader:
 * - Each `import(` becomes a call of the loader's own import (the wrapper's IMPORT_NAME
 *   parameter, six letters as `import` is, so that the source map stays exact): V8 drops a
 *   script's dynamic-import host options when the script comes from a code cache, and import()
 *   from it then fails ("A dynamic import callback was not specified").
 * - The bundle is written inside the loader's function wrapper (WRAPPER_HEAD, on its first line),
 *   so that the loader compiles the file's text as it is read, with no copy joining the two.
 * - The content hash that keys the code cache is appended, computed once here, not at each start.
 * - The bundle must be ASCII only (see below).
 */
export function sealBundle(path: string): void {
  let code = readFileSync(path, 'utf8');
  if (new RegExp(`(?<![\\w$])${IMPORT_NAME}(?![\\w$])`).test(code))
    throw new Error(`${path} already uses the name ${IMPORT_NAME}`);
  for (const at of dynamicImports(code)) {
    if (code.slice(at, at + 6) !== 'import') throw new Error(`${path}: no import() at ${at}`);
    code = code.slice(0, at) + IMPORT_NAME + code.slice(at + 6);
  }
  // ASCII only, so that the text is the same in any encoding and V8 keeps it one byte a character:
  // esbuild escapes every non-ASCII character, and this keeps it so.
  const wide = code.search(/[^\x00-\x7f]/);
  if (wide >= 0) throw new Error(`${path} has a non-ASCII character at ${wide}`);
  code = `${WRAPPER_HEAD}${code}${WRAPPER_TAIL}`;
  const hash = createHash('sha256').update(code).digest('hex');
  writeFileSync(path, `${code}\n${HASH_MARK}${hash}\n`);
}
