import type { SecretInfo } from '@hush/core';
import type { ListingColumns, ListingSpans } from '@hush/provider-local';
import type { Paint } from './colors.js';
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

/**
 * The same table of one provider's listing given as places in its store's text
 * (`LocalSecretProvider.listSpans`), as the bytes to print. Each row is a copy of a blank row
 * with its name, version and dates copied in from the text (`copyWithin`, within one buffer), so
 * that no string is made per cell and none is left for the collector to copy.
 */
export function listSpansTable(bold: Paint, provider: string, listing: ListingSpans): Uint8Array {
  const { text, count, nameStart, nameEnd, versionStart, versionEnd, updatedAt, expiresAt } = listing;
  let wk = HEADER[0]!.length;
  let wv = HEADER[1]!.length;
  let expiring = false;
  for (let i = 0; i < count; i++) {
    if (nameEnd[i]! - nameStart[i]! > wk) wk = nameEnd[i]! - nameStart[i]!;
    if (versionEnd[i]! - versionStart[i]! > wv) wv = versionEnd[i]! - versionStart[i]!;
    if (expiresAt[i]! >= 0) expiring = true;
  }
  // Every secret has an update time; its cell is 20 characters, as is an expiry's.
  const we = expiring ? 20 : HEADER[3]!.length;
  const widths = [wk, wv, 20, we, Math.max(provider.length, HEADER[4]!.length), HEADER[5]!.length];
  const header = Buffer.from(`${bold(tableLine(HEADER, widths))}\n`);
  // The blank rows, a date's seconds standing at `date`: no row has tags, so a line ends at the
  // provider (or, for a blank provider, at its last date), as tableLine ends it.
  const shown = provider.trimEnd();
  const date = wk + 2 + wv + 2;
  const lead = pad(date + 19);
  const [plain, expiry] = [
    shown ? `${lead}Z${pad(2 + we + 2)}${shown}\n` : `${lead}Z\n`,
    `${lead}Z  ${pad(19)}Z${shown ? `  ${shown}` : ''}\n`,
  ].map((row) => Buffer.from(row)) as [Buffer, Buffer];
  // One buffer, for copyWithin to copy within: the text, the blank rows, then the output.
  const plainAt = text.length;
  const expiryAt = plainAt + plain.length;
  const outAt = expiryAt + expiry.length;
  const work = Buffer.allocUnsafe(outAt + header.length + count * Math.max(plain.length, expiry.length));
  work.set(text, 0);
  work.set(plain, plainAt);
  work.set(expiry, expiryAt);
  work.set(header, outAt);
  let at = outAt + header.length;
  const first = at;
  // Rows of one length (all but an expiring listing of a blank provider) start as copies of the
  // blank row made in as many steps as the count has bits; then each row takes its cells.
  const sameLength = plain.length === expiry.length;
  if (sameLength && count > 0) {
    work.copyWithin(first, plainAt, expiryAt);
    for (let made = 1; made < count; made *= 2)
      work.copyWithin(
        first + made * plain.length,
        first,
        first + Math.min(made, count - made) * plain.length,
      );
  }
  for (let i = 0; i < count; i++) {
    const expires = expiresAt[i]!;
    if (expires >= 0) work.copyWithin(at, expiryAt, outAt);
    else if (!sameLength) work.copyWithin(at, plainAt, expiryAt);
    work.copyWithin(at, nameStart[i]!, nameEnd[i]!);
    const version = versionStart[i]!;
    // Most versions are one digit: a byte, not a call.
    if (versionEnd[i]! - version === 1) work[at + wk + 2] = work[version]!;
    else work.copyWithin(at + wk + 2, version, versionEnd[i]!);
    work.copyWithin(at + date, updatedAt[i]!, updatedAt[i]! + 19);
    if (expires < 0) {
      at += plain.length;
    } else {
      work.copyWithin(at + date + 22, expires, expires + 19);
      at += expiry.length;
    }
  }
  return work.subarray(outAt, at);
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
