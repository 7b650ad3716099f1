import type { SecretInfo } from '@hush/core';
import { columnSink, emptyColumns, type ListingColumns, listInfos, metaColumns } from './listing.js';
import { listLines, readListing } from './listing-lines.js';
import { type ListingSpans, readSpans } from './listing-spans.js';
import {
  checkEntry,
  joinSections,
  type StoreDocument,
  type StoredMeta,
  type StoredSecret,
  type StoreHeader,
} from './store-file.js';
import { type Layout, readEntry, readMetas, readSealed } from './store-lines.js';

/**
 * A verified store as reads use it, whatever its layout: one secret, every secret's dates and
 * tags, or the whole document. Entries are shape-checked when used, not all at load.
 */
export interface StoreView {
  readonly header: StoreHeader;
  /** One secret, its shape checked; undefined when the store has none of that name. */
  entry(name: string): StoredSecret | undefined;
  /** Every secret's dates, tags and versions by name (unchecked: see `checkMeta`; use `Object.hasOwn`). */
  metas(): Record<string, StoredMeta>;
  /** The whole document, parsed afresh: a writer may change it. */
  document(): StoreDocument;
  /** The listing of `provider`'s secrets whose names start with `prefix` (see `listInfos`). */
  infos(provider: string, prefix: string): SecretInfo[];
  /** The same listing as columns (see `ListingColumns`). */
  columns(prefix: string): ListingColumns;
  /** The same listing as places in the file's text (see `ListingSpans`); undefined where the file is not read by lines. */
  spans(prefix: string): ListingSpans | undefined;
}

/** A v2 file in the layout hush writes: entries found in the bytes and parsed one by one. */
export class LinesView implements StoreView {
  constructor(
    readonly header: StoreHeader,
    private readonly bytes: Buffer,
    private readonly layout: Layout,
    private readonly path: string,
  ) {}

  entry(name: string): StoredSecret | undefined {
    return readEntry(this.bytes, this.layout, name, this.path);
  }

  /** Parsed on each call, not kept: a listing's 10,000 objects are garbage as soon as it is built. */
  metas(): Record<string, StoredMeta> {
    return readMetas(this.bytes, this.layout);
  }

  /** Read from the section's lines when they are spelled as hush writes them; else parsed whole. */
  infos(provider: string, prefix: string): SecretInfo[] {
    return (
      listLines(this.bytes, this.layout, provider, prefix, this.path) ??
      listInfos(provider, this.metas(), prefix, this.path)
    );
  }

  columns(prefix: string): ListingColumns {
    const columns = emptyColumns();
    if (readListing(this.bytes, this.layout, prefix, this.path, columnSink(columns))) return columns;
    return metaColumns(this.metas(), prefix, this.path);
  }

  spans(prefix: string): ListingSpans | undefined {
    return readSpans(this.bytes.subarray(this.layout.meta[0], this.layout.meta[1]), prefix);
  }

  document(): StoreDocument {
    const secrets = joinSections(
      readMetas(this.bytes, this.layout) as Record<string, unknown>,
      readSealed(this.bytes, this.layout),
      this.path,
    );
    return { ...this.header, secrets };
  }
}

/** A document parsed whole (a first-format file, another layout, or the one this process wrote). */
export class DocView implements StoreView {
  constructor(
    private readonly doc: StoreDocument,
    private readonly path: string,
  ) {}

  get header(): StoreHeader {
    return this.doc;
  }

  entry(name: string): StoredSecret | undefined {
    if (!Object.hasOwn(this.doc.secrets, name)) return undefined;
    const secret = this.doc.secrets[name]!;
    checkEntry(name, secret, this.path);
    return secret;
  }

  metas(): Record<string, StoredMeta> {
    return this.doc.secrets;
  }

  infos(provider: string, prefix: string): SecretInfo[] {
    return listInfos(provider, this.doc.secrets, prefix, this.path);
  }

  columns(prefix: string): ListingColumns {
    return metaColumns(this.doc.secrets, prefix, this.path);
  }

  spans(): undefined {
    return undefined;
  }

  document(): StoreDocument {
    return this.doc;
  }
}
