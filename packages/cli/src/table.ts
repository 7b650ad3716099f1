import type { Paint } from './colors.js';

/** Where a table goes: the command's output (a `Cli`), or the direct path's. */
export interface TableOutput {
  readonly colors: { readonly bold: Paint };
  write(text: string): void;
  print(text?: string): void;
}

/** Space runs by length, made once: padding a cell takes one of them instead of a new string. */
const spaces: string[] = [''];
export function pad(length: number): string {
  while (spaces.length <= length) spaces.push(`${spaces[spaces.length - 1]} `);
  return spaces[length]!;
}

/** A cell that a line's trimEnd would remove entirely (empty or blank). */
export function blank(cell: string): boolean {
  if (cell.length === 0) return true;
  const last = cell.charCodeAt(cell.length - 1);
  return (last <= 0x20 || last >= 0x7f) && cell.trimEnd() === '';
}

/** Widens `widths` to fit `cells` (as `padEnd` counts). */
function widen(widths: number[], cells: string[]): void {
  for (let i = 0; i < widths.length; i++) {
    const length = (cells[i] ?? '').length;
    if (length > widths[i]!) widths[i] = length;
  }
}

/** One line of cells padded to `widths`, two spaces apart, without trailing blanks. */
export function tableLine(cells: string[], widths: number[]): string {
  // Trailing blank cells vanish with the padding before them, as a trimEnd of the line would.
  let last = cells.length - 1;
  while (last >= 0 && blank(cells[last]!)) last--;
  let text = '';
  for (let i = 0; i < last; i++) {
    const cell = cells[i]!;
    text += cell + pad(Math.max(0, (widths[i] ?? 0) - cell.length) + 2);
  }
  return last < 0 ? text : text + cells[last]!.trimEnd();
}

/**
 * Columns padded to their widest cell (as `padEnd` counts), two spaces apart, each line without
 * trailing blanks, the header in bold. Built as one string in one pass over the cells.
 */
export function formatTable(cli: TableOutput, header: string[], rows: string[][]): string {
  const widths = header.map((h) => h.length);
  for (const row of rows) widen(widths, row);
  let text = cli.colors.bold(tableLine(header, widths));
  for (const row of rows) text += `\n${tableLine(row, widths)}`;
  return text;
}

/** The last date formatted: a listing meets the same instant again and again. */
let lastMs = Number.NaN;
let lastText = '';

/** `2026-01-02T03:04:05.678Z` without its milliseconds; '' for no date. */
export function isoOrEmpty(date: Date | undefined): string {
  if (!date) return '';
  const ms = date.getTime();
  if (ms !== lastMs) {
    lastText = `${date.toISOString().slice(0, -5)}Z`;
    lastMs = ms;
  }
  return lastText;
}

/** The last ISO text formatted, and how. */
let lastIso = '';
let lastIsoText = '';

/**
 * `isoOrEmpty` of the date an ISO 8601 text stands for, as `new Date(text)` reads it (a text that
 * is no date fails as it would); '' for none.
 */
export function isoTextOrEmpty(iso: string | undefined): string {
  if (iso === undefined) return '';
  if (iso !== lastIso) {
    lastIsoText = isoOrEmpty(new Date(iso));
    lastIso = iso;
  }
  return lastIsoText;
}
