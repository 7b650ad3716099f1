import { readFile } from 'node:fs/promises';
import { transform } from 'esbuild';

// Loads an example (`.ts`) as a module: fills in its placeholders, strips its types, and
// exports its top-level declarations so that the runner can check what the example computed.
// Nothing else of the example's text changes.

/** `[text, replacement]` pairs, each replacing the first occurrence still present, in order. */
function placeholders() {
  const raw = process.env.HUSH_EXAMPLE_PLACEHOLDERS;
  return raw ? JSON.parse(raw) : [];
}

function fillIn(source, url) {
  let text = source;
  for (const [from, to] of placeholders()) {
    const at = text.indexOf(from);
    if (at < 0) throw new Error(`placeholder ${JSON.stringify(from)} is not in ${url}`);
    text = text.slice(0, at) + to + text.slice(at + from.length);
  }
  return text;
}

/** Names declared at the top level: an example's top-level statements start at column 0. */
function topLevelNames(source) {
  const names = new Set();
  const declaration = /^(?:const|let|var|(?:async\s+)?function\*?|class)\s+([A-Za-z_$][\w$]*)/gm;
  for (const match of source.matchAll(declaration)) names.add(match[1]);
  return [...names];
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !url.endsWith('.ts')) return nextLoad(url, context);
  const source = fillIn(await readFile(new URL(url), 'utf8'), url);
  const names = topLevelNames(source);
  const { code: outputText } = await transform(source, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: new URL(url).pathname,
  });
  const exported = names.length > 0 ? `\nexport { ${names.join(', ')} };\n` : '\nexport {};\n';
  return { format: 'module', source: outputText + exported, shortCircuit: true };
}
