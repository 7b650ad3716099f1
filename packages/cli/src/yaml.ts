// The YAML parser, bundled into its own chunk: `await import('./yaml.js')` loads it only for
// commands that meet YAML (static named imports keep the bundled CommonJS module's exports).
export { parse, stringify } from 'yaml';
