import type { SecretInfo } from '@hush/core';
import type { ListingColumns } from '@hush/provider-local';
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

/** The same table of one provider's listing given as columns (`LocalSecretProvider.listColumns`). */
export function writeListColumns(out: TableOutput, provider: string, listing: ListingColumns): void {
  writeListCells(out, {
    keys: listing.keys,
    versions: listing.versions,
    updated: listing.updatedAt.map(isoTextOrEmpty),
    expires: listing.expiresAt.map(isoTextOrEmpty),
    providers: provider,
    tags: listing.tags.map(tagsCell),
  });
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

/**
 * The table `formatTable` would make of the cells, written to stdout a part at a time. Each
 * line is made by one expression from spaces made once, and no line is kept: `hush list` of a
 * large store writes 10,000 rows, and a short command runs this code before the engine has
 * compiled it, so that every step a row takes counts.
 */
function writeListCells(out: TableOutput, cells: ListCells): void {
  const { keys, versions, updated, expires, providers, tags } = cells;
  const rows = keys.length;
  const providerAt = typeof providers === 'string' ? () => providers : (i: number) => providers[i]!;
  const widths = [
    widest(keys, HEADER[0]!),
    widest(versions, HEADER[1]!),
    widest(updated, HEADER[2]!),
    widest(expires, HEADER[3]!),
    typeof providers === 'string'
      ? Math.max(providers.length, HEADER[4]!.length)
      : widest(providers, HEADER[4]!),
    widest(tags, HEADER[5]!),
  ];
  const [wk, wv, wu, we, wp] = widths as [number, number, number, number, number];
  // gap[n]: the padding after a cell n units short of its column, and the two spaces between.
  const gap: string[] = [];
  for (let n = 0; n <= Math.max(...widths); n++) gap.push(pad(n + 2));
  let text = out.colors.bold(tableLine(HEADER, widths));
  for (let i = 0; i < rows; i++) {
    const k = keys[i]!;
    const v = versions[i]!;
    const u = updated[i]!;
    const e = expires[i]!;
    const p = providerAt(i);
    const t = tags[i]!;
    const head = `${k}${gap[wk - k.length]}${v}${gap[wv - v.length]}${u}${gap[wu - u.length]}${e}${gap[we - e.length]}`;
    // A line ends at its last cell that is not blank (tags are most often empty), as tableLine's do.
    if (!blank(t)) text += `\n${head}${p}${gap[wp - p.length]}${t.trimEnd()}`;
    else if (!blank(p)) text += `\n${head}${p.trimEnd()}`;
    else text += `\n${tableLine([k, v, u, e, p, t], widths)}`;
    if (text.length >= PART) {
      out.write(text);
      text = '';
    }
  }
  out.print(text);
}

/** The longest of the cells and the header (as `padEnd` counts). */
function widest(cells: readonly string[], header: string): number {
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
