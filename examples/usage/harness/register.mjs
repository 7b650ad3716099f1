// `node --import ./register.mjs`: lets the runner import the TypeScript examples as they are.
import { register } from 'node:module';

register('./loader.mjs', import.meta.url);
