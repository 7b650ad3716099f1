import { flagIsOn } from './env-flag.js';

export type Paint = (text: string) => string;
export type Colors = { bold: Paint; dim: Paint; red: Paint; green: Paint; yellow: Paint; cyan: Paint };

/** Colours are off with NO_COLOR (any value but empty) or HUSH_NO_COLOR=1. */
export function colorsAllowed(env: NodeJS.ProcessEnv): boolean {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  return !noColor && !flagIsOn(env.HUSH_NO_COLOR);
}

/** ANSI colours when `on` (allowed, and stdout a terminal), else functions that change nothing. */
export function colorsFor(on: boolean): Colors {
  const code = (open: number, close: number): Paint =>
    on ? (text) => `\u001b[${open}m${text}\u001b[${close}m` : (text) => text;
  return {
    bold: code(1, 22),
    dim: code(2, 22),
    red: code(31, 39),
    green: code(32, 39),
    yellow: code(33, 39),
    cyan: code(36, 39),
  };
}
