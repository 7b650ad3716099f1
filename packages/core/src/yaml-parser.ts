// The YAML parser, bundled into a chunk of its own and imported only to read a YAML configuration.
export { parse } from 'yaml';
