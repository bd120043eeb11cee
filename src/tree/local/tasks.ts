import type { Failure } from '../../errors.js';
import type { Expect, OpResult, Owner, Replacing, StopFlag } from '../tree.js';
import type { EncodedListings } from './columns.js';
import type { WalkShare } from './split-walk.js';

/** The task types of the pool, shared by the coordinator (which sends them) and `workers/` (which runs them). */

/** One walk that a pool thread does: the front of one tree, or the back of another. */
export interface WalkTask {
  readonly root: string;
  readonly exclude: readonly string[];
  readonly share: WalkShare;
  /** The run's stop flag, if any (see `walkFront`). */
  readonly stop?: StopFlag;
  /** Mount points are listed as empty directories, never entered (`--one-file-system`). */
  readonly oneFileSystem?: boolean;
}

export interface ScanTask {
  /** The tree this thread walks from the front while the coordinator walks the other one. */
  readonly walk: WalkTask;
  /** The coordinator's tree, helped with from the back once `walk` is done. */
  readonly help: WalkTask;
}

export interface ScanResult {
  readonly walk: EncodedListings;
  readonly help: EncodedListings;
}

/**
 * Byte ranges to compare between source files and their replicas, in columns. Every thread
 * of the pool gets the same task and takes ranges from the shared `next` counter until none
 * are left, so no thread waits on a round trip to the coordinator between ranges, and a
 * thread that boots late simply takes fewer.
 */
export interface HashTask {
  readonly sourceRoot: string;
  readonly replicaRoot: string;
  /** Relative paths of the pairs, UTF-8, one after the other (shared); pair `i` spans `starts[i]` to `starts[i + 1]`. */
  readonly paths: Uint8Array;
  readonly starts: Int32Array;
  /** Per range: its pair (an index into `starts` and `differs`), offset and length. */
  readonly pairs: Int32Array;
  readonly offsets: Float64Array;
  readonly lengths: Float64Array;
  /** Shared: the index of the next range to take. */
  readonly next: Int32Array;
  /** Shared, per pair: set to 1 once a range differs (or cannot be read), which also stops its other ranges. */
  readonly differs: Int32Array;
  /** Raised on shutdown: no range is started after it, and ranges under way stop at their next block. */
  readonly stop: StopFlag;
  readonly blockSize: number;
}

/** A pair whose ranges could not be read, and why; it counts as different. */
export interface HashFailure {
  readonly pair: number;
  readonly failure: Failure;
}

/**
 * One write to the replica, at `path` relative to its root. `file` and `symlink` build the new
 * entry under a temporary name in the target directory and rename it into place, so the final
 * path always holds a complete old or new entry; `meta` fixes mode and mtime in place.
 */
export type CopyJob =
  | {
      readonly kind: 'file';
      readonly path: string;
      readonly mode: number;
      readonly owner: Owner;
      /** What the scan saw, to notice a source that changes while it is copied. */
      readonly size: number;
      readonly mtimeMs: number;
      readonly replacing: Replacing;
      readonly expect?: Expect;
      /** Compared with the replica's file first: the same bytes there get only the metadata (see `Op`). */
      readonly unlessSame?: true;
    }
  | {
      readonly kind: 'symlink';
      readonly path: string;
      readonly link: string;
      readonly owner: Owner;
      readonly mtimeMs: number;
      readonly replacing: Replacing;
      readonly expect?: Expect;
    }
  | {
      readonly kind: 'meta';
      readonly path: string;
      readonly mode: number | undefined;
      readonly mtimeMs: number;
      readonly owner: Owner;
    };

export interface CopyTask {
  readonly sourceRoot: string;
  readonly replicaRoot: string;
  readonly jobs: CopyJob[];
  /** The cycle's backup folder (see `ApplyOptions.backup`). */
  readonly backup?: string;
  /** Raised on shutdown: jobs not yet started are skipped. */
  readonly stop: StopFlag;
}

/**
 * A batch's results, and the descriptors its thread holds on files it replaced: the last
 * close of a replaced file frees its blocks, which is most of what replacing it costs, so the
 * coordinator closes them while the thread copies on (see `moveIntoPlace`).
 */
export interface CopyResult {
  readonly results: OpResult[];
  readonly held: number[];
}
