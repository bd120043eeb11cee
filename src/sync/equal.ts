import { sameMtime } from '../tree/mtime.js';
import type { Entry } from '../tree/tree.js';

/** What an update changes on an entry that exists on both sides. */
export type Change = 'content' | 'metadata' | 'target' | 'kind' | 'link';

export interface EqualOptions {
  /** Compare the content of every same-size pair, not only those whose mtimes differ. */
  readonly checksum: boolean;
  /** Same size is same content: never hashed (rsync's --size-only). */
  readonly sizeOnly?: boolean;
  /** Owner and group are kept (running as root, unless --no-owner): compared, and setuid/setgid bits kept. */
  readonly owners?: boolean;
  /** Files with several names in the source become one inode with as many names in the replica. */
  readonly hardLinks?: boolean;
}

const SETID = 0o6000;

/**
 * The mode a replica entry is given: the source's, except that a file whose owner is not kept
 * loses its setuid and setgid bits, as `cp` does (a setuid file of uid 1234 must not become
 * setuid root).
 */
export const modeToWrite = (entry: Entry, owners: boolean | undefined): number =>
  owners || entry.kind !== 'file' ? entry.mode : entry.mode & ~SETID;

/** Content verdicts from hashing: path → true when both sides hold the same bytes. */
export type Verdicts = ReadonlyMap<string, boolean>;

/**
 * Whether a pair's content must be hashed before it can be decided: same-size files whose
 * mtimes differ (or all, with checksum). Two empty files hold the same bytes: never hashed.
 */
export const needsHash = (s: Entry, r: Entry, options: EqualOptions): boolean =>
  s.kind === 'file' &&
  r.kind === 'file' &&
  r.size === s.size &&
  s.size > 0 &&
  options.sizeOnly !== true &&
  (options.checksum || !sameMtime(s.mtimeMs, r.mtimeMs));

/**
 * What differs between a source entry and its replica, in rclone's order of checks: kind
 * differs → replace; a symlink's target; size differs → content; size and mtime equal →
 * equal (unless checksum); otherwise the hash decides between content and metadata.
 */
export function difference(s: Entry, r: Entry, options: EqualOptions, verdicts: Verdicts): Change | undefined {
  if (s.kind !== r.kind) return 'kind';
  const metaDiffers =
    !sameMtime(s.mtimeMs, r.mtimeMs) ||
    (s.kind !== 'symlink' && modeToWrite(s, options.owners) !== r.mode) ||
    (options.owners === true && (s.uid !== r.uid || s.gid !== r.gid));
  if (s.kind === 'symlink' && s.target !== r.target) return 'target';
  if (s.kind === 'file') {
    if (s.size !== r.size) return 'content';
    // A replica name that shares its inode with others, where the source's does not: a metadata
    // fix would reach the other names too, so it gets an inode of its own.
    if (options.hardLinks && r.link !== undefined && s.link === undefined) return 'content';
    if (needsHash(s, r, options)) {
      const equal = verdicts.get(s.path);
      if (equal === undefined) throw new Error(`plan: no content verdict for ${s.path}`);
      if (!equal) return 'content';
    }
  }
  return metaDiffers ? 'metadata' : undefined;
}
