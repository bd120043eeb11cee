/** What a path is. `special` covers FIFOs, sockets and devices, which are never opened. */
export type Kind = 'file' | 'dir' | 'symlink' | 'special';

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
  /** The link's target, for symlinks. */
  readonly target?: string;
}

/** A path that could not be read while scanning, and why. */
export interface ScanFailure {
  readonly path: string;
  readonly cause: string;
}

/** One walk of one tree. */
export interface Snapshot {
  readonly root: string;
  /** In the order of `comparePaths` (march.ts): the root `''` first, each directory right before its contents. */
  readonly entries: Entry[];
  /** Directories whose listing failed: what lies below them is unknown, not absent. */
  readonly unreadable: ScanFailure[];
}
