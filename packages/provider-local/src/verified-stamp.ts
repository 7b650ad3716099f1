import { equalBase64, hmacParts } from './crypto.js';
import type { Sections } from './store-stream.js';

// A note, kept in the state file, that this machine verified the store's file MAC: which file (its
// device, inode, size, mtime and ctime, as git's index keeps them) and where its sections are,
// signed with the file MAC key. A process that reads one secret and exits finds the note, sees the
// file unchanged, and reads only the secret's lines instead of hashing the whole file again.
//
// Why a changed file is never taken for the one noted: any write to a file changes its ctime,
// which no user can set back (utimes sets mtime and atime only); a file put in its place has
// another inode. Why a note cannot be forged: it is signed with the file MAC key, as the file is.
// Why a write in the same clock tick as the note is not missed: a note is written only for a file
// whose ctime is RACY_MS older than the clock, so any later write moves the ctime (file systems
// keep whole seconds at worst, FAT two).

/** A file younger than this (by its ctime) gets no note: a write in the same tick would not show. */
export const RACY_MS = 2_000;

/** What the state file keeps of one verified read. */
export interface VerifiedStamp {
  /** `dev:ino:size:mtimeMs:ctimeMs` of the file verified. */
  file: string;
  /** The file MAC as the header spells it. */
  mac: string;
  /** Where the file's sections are. */
  layout: Sections;
  /** HMAC-SHA256 of all the above, the store id and the generation, under the file MAC key. */
  tag: string;
}

/** What a note must match: the file as opened now, and the header read from it. */
export interface StampSubject {
  storeId: string;
  generation: number;
  file: string;
  mac: string;
}

function tagOf(macKey: Buffer, subject: StampSubject, layout: readonly number[]): string {
  const { storeId, generation, file, mac } = subject;
  return hmacParts(macKey, ['hush.verified/v1', storeId, String(generation), file, mac, layout.join(',')]);
}

/** A signed note of a file just verified. */
export function signStamp(macKey: Buffer, subject: StampSubject, layout: Sections): VerifiedStamp {
  return { file: subject.file, mac: subject.mac, layout, tag: tagOf(macKey, subject, layout) };
}

/** The layout a note records, when the note is for this very file and signed under `macKey`. */
export function stampedLayout(
  stamp: VerifiedStamp | undefined,
  macKey: Buffer,
  subject: StampSubject,
): Sections | undefined {
  if (!isStamp(stamp) || stamp.file !== subject.file || stamp.mac !== subject.mac) return undefined;
  return equalBase64(stamp.tag, tagOf(macKey, subject, stamp.layout)) ? stamp.layout : undefined;
}

/** A note of the expected shape (the state file is JSON anyone with access could have edited). */
function isStamp(value: unknown): value is VerifiedStamp {
  const stamp = value as VerifiedStamp | undefined;
  return (
    typeof stamp === 'object' &&
    stamp !== null &&
    typeof stamp.file === 'string' &&
    typeof stamp.mac === 'string' &&
    typeof stamp.tag === 'string' &&
    Array.isArray(stamp.layout) &&
    stamp.layout.length === 3 &&
    stamp.layout.every((n) => Number.isSafeInteger(n) && n >= 0)
  );
}
