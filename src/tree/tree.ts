import type { Failure } from '../errors.js';

/** What a path is. `special` covers FIFOs, sockets and devices, which are never opened. */
export type Kind = 'file' | 'dir' | 'symlink' | 'special';

/** The kind of what `lstat` saw. */
export const kindOf = (stat: { isFile(): boolean; isDirectory(): boolean; isSymbolicLink(): boolean }): Kind =>
  stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : 'special';

/** One path of a tree as `lstat` saw it; symlinks are never followed. */
export interface Entry {
  /** Relative to the tree's root, `/`-separated; the root itself is `''`. */
  readonly path: string;
  readonly kind: Kind;
  readonly size: number;
  /** As `lstat` gives it; see `mtime.ts` for the precision. */
  readonly mtimeMs: number;
  /** Permission bits only (`mode & 0o7777`). */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  /** The link's target, for symlinks. */
  readonly target?: string;
  /** For a file with more than one name: its device and inode (`dev:ino`), the same for every name of it. */
  readonly link?: string;
}

/**
 * A snapshot's entries, read by position (0 up to `length`): a plain array does, and so do
 * columns that make each entry as it is read (a local tree's, which keep nothing per entry
 * for the collector).
 */
export interface Entries {
  readonly length: number;
  at(index: number): Entry | undefined;
  /**
   * Whether entry `index` here and entry `at` of `other` are the same plain entry: one path, a
   * file or symlink on both sides with the same size, mtime (exactly), mode, owner, group and
   * target, no other names, no setuid or setgid bit. Answered without making either entry;
   * false whenever it cannot tell (so columns need not implement it).
   */
  plainTwin?(index: number, other: Entries, at: number): boolean;
}

/** Every entry of a snapshot as an array (where a whole array is worth its memory); an array is given back as it is. */
export function entryArray(entries: Entries): Entry[] {
  if (Array.isArray(entries)) return entries;
  const all: Entry[] = [];
  for (let i = 0; i < entries.length; i++) all.push(entries.at(i) as Entry);
  return all;
}

/** One walk of one tree. */
export interface Snapshot {
  readonly root: string;
  /** In the order of `comparePaths` (order.ts): the root `''` first, each directory right before its contents. */
  readonly entries: Entries;
  /** Directories whose listing failed: what lies below them is unknown, not absent. */
  readonly unreadable: Failure[];
}

/** What a tree can hold and keep; the plan asks for nothing a side cannot store. */
export interface Features {
  readonly symlinks: boolean;
  readonly hardLinks: boolean;
  readonly ownership: boolean;
  /** The finest mtime it keeps, in nanoseconds. */
  readonly mtimePrecisionNs: number;
}

/**
 * One change to a tree, at `path` relative to its root. `put` writes a file with the content
 * of the same path in the other tree (see `Tree.apply`), under a temporary name renamed into
 * place, as `symlink` does; `replacing` says what may stand there: nothing, an entry of another
 * kind (an emptied directory), or a directory hidden by the excludes, removed with all it holds.
 * `meta` sets mode (unless undefined, as for symlinks) and mtime in place.
 */
export type Replacing = 'nothing' | 'emptied' | 'excluded';

/** Owner and group to give an entry; undefined leaves them to whoever writes it. */
export type Owner = { readonly uid: number; readonly gid: number } | undefined;

/**
 * What a plan saw at a path it overwrites or removes, when that path is user data (two-way
 * sync): the write is skipped, and reported `changed`, if the path no longer holds it.
 * Directories are checked by kind only, since writes inside them move their mtime.
 */
export type Expect = { readonly kind: Kind; readonly size: number; readonly mtimeMs: number } | 'absent';

/** `mode` is the one to write (see `modeToWrite`), not always the source entry's own. */
export type Op =
  | { readonly op: 'mkdir'; readonly path: string; readonly replacing: boolean; readonly expect?: Expect }
  | {
      readonly op: 'put' | 'symlink';
      readonly path: string;
      readonly entry: Entry;
      readonly mode: number;
      readonly owner: Owner;
      readonly replacing: Replacing;
      readonly expect?: Expect;
      /**
       * A `put` over a file whose content was not compared: where the file there holds the
       * source's bytes already, only its mode, owner and mtime are set, and the result says
       * `same`. Sent only to a tree of the source's kind (`sameKind`).
       */
      readonly unlessSame?: true;
    }
  | {
      readonly op: 'meta';
      readonly path: string;
      readonly kind: Kind;
      readonly mode: number;
      readonly mtimeMs: number;
      readonly owner: Owner;
    }
  | { readonly op: 'remove'; readonly path: string; readonly kind: Kind; readonly expect?: Expect }
  /** Renames a file or symlink to `to`, which must be free (a two-way conflict copy). */
  | { readonly op: 'rename'; readonly path: string; readonly to: string; readonly expect: Expect }
  /** A hard link at `path` to the file at `target` (both in this tree), renamed into place. */
  | { readonly op: 'link'; readonly path: string; readonly target: string; readonly replacing: Replacing };

/**
 * `changed`: the source (or, `here`, the path written, see `Expect`) vanished or changed since
 * the scan; nothing was written and the next cycle picks it up. `skipped`: not started because the run is stopping.
 */
export type OpResult =
  /**
   * `backedUp`: what stood at the path went to the cycle's backup folder (see `ApplyOptions.backup`).
   * `same`: an `unlessSame` put found the content there already and set only the metadata.
   */
  | { readonly ok: true; readonly backedUp?: true; readonly same?: true }
  | { readonly ok: false; readonly failure: Failure }
  | { readonly ok: 'changed'; readonly reason: string; readonly here?: true }
  | { readonly ok: 'skipped' };

/** The run's stop flag (shared with pool threads): raised to 1 on shutdown. */
export type StopFlag = Int32Array;

export const isStopped = (stop: StopFlag | undefined): boolean => stop !== undefined && Atomics.load(stop, 0) === 1;

/** Content verdicts: path → true when both sides hold the same bytes; paths that could not be read, with why. */
export interface Comparison {
  readonly verdicts: Map<string, boolean>;
  readonly unreadable: Map<string, string>;
}

export interface ApplyOptions {
  /** Where `put` takes its content from: the same path in this tree. */
  readonly from: Tree;
  readonly stop: StopFlag;
  /** A folder outside both trees that takes what a remove or an overwrite would lose (`--backup-dir`). */
  readonly backup?: string;
  /** Told of each op as it finishes (in any order); `index` is its place in `ops`. */
  readonly onResult: (index: number, result: OpResult) => void;
}

export interface CompareOptions {
  /** Files larger than this may be compared in ranges of this size, in parallel. */
  readonly chunkSize: number;
  readonly stop?: StopFlag;
  /** Told now and then how many bytes (both sides together) have been read so far. */
  readonly onProgress?: (bytes: number) => void;
}

/**
 * One side of a sync: what the cycle needs of it. The optional methods are fast paths used
 * only when both sides are of the same kind (`sameKind`), as rclone's optional `Copy` is.
 */
export interface Tree {
  readonly root: string;
  readonly features: Features;
  /** Walks the whole tree, paths matching `exclude` (globs) left out; a raised `stop` ends it early (partial). */
  scan(exclude: readonly string[], stop?: StopFlag): Promise<Snapshot>;
  /**
   * Applies ops in order, except that consecutive `put`, `symlink` and `meta` ops are
   * independent of each other and may run in parallel. Each op's result is reported once.
   */
  apply(ops: readonly Op[], options: ApplyOptions): Promise<void>;
  /**
   * Walks only the subtrees `roots` (none inside another) and the directories on the way to
   * them: a targeted cycle's view (watch mode). Trees without it are scanned whole.
   */
  scanPaths?(roots: readonly string[], exclude: readonly string[], stop?: StopFlag): Promise<Snapshot>;
  /** The content of a file, in chunks. */
  read(path: string): AsyncIterable<Uint8Array>;
  /** Whether the fast paths below may be used with `other`. */
  sameKind?(other: Tree): boolean;
  /** Scans both trees at once (this one and `other`). */
  scanWith?(
    other: Tree,
    excludes: { mine: readonly string[]; other: readonly string[] },
    stop?: StopFlag,
  ): Promise<[Snapshot, Snapshot]>;
  /** Compares the content of each pair (this tree's entry, the same path in `other`). */
  comparePairs?(other: Tree, pairs: readonly Entry[], options: CompareOptions): Promise<Comparison>;
}
