import { isExpired, type SecretInfo } from '@hush/core';
import type { ListingSink, ListingWalk } from '@hush/provider-local';
import { blank, isoOrEmpty, isoTextOrEmpty, pad, type TableOutput, tableLine } from './table.js';

/** The columns of `hush list`. */
const HEADER = ['NAME', 'VERSION', 'UPDATED', 'EXPIRES', 'PROVIDER', 'TAGS'];

/** Output is handed to stdout in parts of about this many characters. */
const PART = 1 << 16;

/** `hush list`'s table: a row per secret, names and metadata only. */
export function writeListTable(out: TableOutput, secrets: readonly SecretInfo[]): void {
  writeListCells(out, {
    keys: secrets.map((s) => s.key),
    versions: secrets.map((s) => s.version),
    updated: secrets.map((s) => isoOrEmpty(s.updatedAt)),
    expires: secrets.map((s) => isoOrEmpty(s.expiresAt)),
    providers: secrets.map((s) => s.provider),
    tags: secrets.map((s) => tagsCell(s.tags)),
  });
}

/**
 * The same table of one local store's listing, walked twice over one verified read (see
 * `ListingWalk`): once for the column widths, once to write the rows, so that no row is kept in
 * between (10,000 rows of strings kept until the end cost more in copying by the young-generation
 * collector than the rest of the listing). Secrets expired by `now` are left out, as the manager's
 * merge leaves them out. Undefined when nothing is listed; else the function that writes it.
 */
export function walkedListTable(
  provider: string,
  walk: ListingWalk,
  now: number,
): ((out: TableOutput) => void) | undefined {
  let widths = headerWidths(provider);
  let rows = 0;
  const measure: ListingSink = (name, _createdAt, version, updatedAt, expiresAt, _metadata, tags) => {
    if (expired(expiresAt, now)) return;
    rows++;
    widths = widest(
      widths,
      name,
      version,
      isoTextOrEmpty(updatedAt),
      isoTextOrEmpty(expiresAt || undefined),
      tagsCell(tags),
    );
  };
  walk.each(measure, () => {
    widths = headerWidths(provider);
    rows = 0;
  });
  if (rows === 0) return undefined;
  return (out) => {
    const table = new TableWriter(out, widths);
    walk.each((name, _createdAt, version, updatedAt, expiresAt, _metadata, tags) => {
      if (expired(expiresAt, now)) return;
      table.row(
        name,
        version,
        isoTextOrEmpty(updatedAt),
        isoTextOrEmpty(expiresAt || undefined),
        provider,
        tagsCell(tags),
      );
    });
    table.end();
  };
}

/** Whether a current version with this expiry (ISO text as stored; '' or none: never) has expired by `now`. */
function expired(expiresAt: string | undefined, now: number): boolean {
  return expiresAt !== undefined && expiresAt !== '' && isExpired({ expiresAt: new Date(expiresAt) }, now);
}

/** The cells of the table a column at a time; one provider's listing has one provider cell. */
interface ListCells {
  readonly keys: readonly string[];
  readonly versions: readonly string[];
  readonly updated: readonly string[];
  readonly expires: readonly string[];
  readonly providers: readonly string[] | string;
  readonly tags: readonly string[];
}

/** The table of the cells, written to stdout a part at a time. */
function writeListCells(out: TableOutput, cells: ListCells): void {
  const { keys, versions, updated, expires, providers, tags } = cells;
  const providerAt = typeof providers === 'string' ? () => providers : (i: number) => providers[i]!;
  const widths = [
    longest(keys, HEADER[0]!),
    longest(versions, HEADER[1]!),
    longest(updated, HEADER[2]!),
    longest(expires, HEADER[3]!),
    typeof providers === 'string'
      ? Math.max(providers.length, HEADER[4]!.length)
      : longest(providers, HEADER[4]!),
    longest(tags, HEADER[5]!),
  ];
  const table = new TableWriter(out, widths);
  for (let i = 0; i < keys.length; i++)
    table.row(keys[i]!, versions[i]!, updated[i]!, expires[i]!, providerAt(i), tags[i]!);
  table.end();
}

/**
 * The table `formatTable` would make of rows of known column widths, written to stdout a part at
 * a time. Each line is made by one expression from spaces made once, and no line is kept: `hush
 * list` of a large store writes 10,000 rows, and a short command runs this code before the engine
 * has compiled it, so that every step a row takes counts.
 */
class TableWriter {
  readonly #out: TableOutput;
  readonly #widths: readonly number[];
  /** gap[n]: the padding after a cell n units short of its column, and the two spaces between. */
  readonly #gap: string[] = [];
  #text: string;

  constructor(out: TableOutput, widths: readonly number[]) {
    this.#out = out;
    this.#widths = widths;
    for (let n = 0; n <= Math.max(...widths); n++) this.#gap.push(pad(n + 2));
    this.#text = out.colors.bold(tableLine(HEADER, [...widths]));
  }

  row(k: string, v: string, u: string, e: string, p: string, t: string): void {
    const gap = this.#gap;
    const [wk, wv, wu, we, wp] = this.#widths as [number, number, number, number, number];
    const head = `${k}${gap[wk - k.length]}${v}${gap[wv - v.length]}${u}${gap[wu - u.length]}${e}${gap[we - e.length]}`;
    // A line ends at its last cell that is not blank (tags are most often empty), as tableLine's do.
    if (!blank(t)) this.#text += `\n${head}${p}${gap[wp - p.length]}${t.trimEnd()}`;
    else if (!blank(p)) this.#text += `\n${head}${p.trimEnd()}`;
    else this.#text += `\n${tableLine([k, v, u, e, p, t], [...this.#widths])}`;
    if (this.#text.length >= PART) {
      this.#out.write(this.#text);
      this.#text = '';
    }
  }

  end(): void {
    this.#out.print(this.#text);
  }
}

/** The header's widths, the provider column as wide as `provider` when that is wider. */
function headerWidths(provider: string): number[] {
  const widths = HEADER.map((h) => h.length);
  widths[4] = Math.max(widths[4]!, provider.length);
  return widths;
}

/** `widths` widened to fit one row's cells (as `padEnd` counts); the provider cell is fixed. */
function widest(widths: number[], k: string, v: string, u: string, e: string, t: string): number[] {
  if (k.length > widths[0]!) widths[0] = k.length;
  if (v.length > widths[1]!) widths[1] = v.length;
  if (u.length > widths[2]!) widths[2] = u.length;
  if (e.length > widths[3]!) widths[3] = e.length;
  if (t.length > widths[5]!) widths[5] = t.length;
  return widths;
}

/** The longest of the cells and the header (as `padEnd` counts). */
function longest(cells: readonly string[], header: string): number {
  let width = header.length;
  for (let i = 0; i < cells.length; i++) if (cells[i]!.length > width) width = cells[i]!.length;
  return width;
}

/** `a=b,c=d`; most secrets have no tags, and then nothing is allocated. */
function tagsCell(tags: Record<string, string> | undefined): string {
  let cell = '';
  for (const key in tags) {
    if (!Object.hasOwn(tags, key)) continue;
    cell += cell ? `,${key}=${tags[key]}` : `${key}=${tags[key]}`;
  }
  return cell;
}
