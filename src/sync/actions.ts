import type { Entry, Expect } from '../tree/tree.js';
import type { Change } from './equal.js';

/**
 * One operation on the replica; `entry` is the source's for create/update, the replica's for
 * delete. `expect`: what the written path must still hold (two-way sync, see `Expect`).
 */
export type Action =
  /**
   * `overExcluded`: the replica may hold a directory there that its excludes hid (a `dir/` pattern).
   * `linkTo`: made a hard link to that (earlier) path of the replica.
   */
  | {
      readonly op: 'create';
      readonly entry: Entry;
      readonly overExcluded?: true;
      readonly linkTo?: string;
      readonly expect?: Expect;
    }
  | {
      readonly op: 'update';
      readonly entry: Entry;
      readonly change: Change;
      readonly linkTo?: string;
      readonly expect?: Expect;
      /** What the replica held there (for `--itemize-changes`). */
      readonly was?: Entry;
      /**
       * A content change not yet known to be one (same size, another mtime): the copy compares
       * first, and where the bytes are the same the update turns out to be `metadata`.
       */
      readonly unlessSame?: true;
    }
  | { readonly op: 'delete'; readonly entry: Entry; readonly expect?: Expect };

/** The work of one cycle, grouped in the order it must run. */
export interface Plan {
  /** Replica entries in the way of an entry of another kind, deepest first; removed before anything is written. */
  readonly clear: Action[];
  /** Directories to create, parents first. */
  readonly dirs: Action[];
  /** Files and symlinks to create or update; independent of each other, so run in parallel. */
  readonly transfers: Action[];
  /** Later names of hard-linked files, linked to their group's first name once that is in place. */
  readonly links: Action[];
  /** Replica-only entries, deepest first. */
  readonly deletes: Action[];
  /** Directories whose mode or mtime differ; applied once their contents are done. */
  readonly dirMeta: Action[];
  /** Further source directories whose replica mtime this cycle disturbs, to be stamped back silently. */
  readonly restamp: Entry[];
  /** Source FIFOs, sockets and devices: never opened, never copied. */
  readonly skipped: Entry[];
  /** Our temporary files left in the replica by a run that was killed: removed first, not counted as deletions. */
  readonly leftovers: Entry[];
}

/** A plan that does nothing. */
export const emptyPlan = (): Plan => ({
  clear: [],
  dirs: [],
  transfers: [],
  links: [],
  deletes: [],
  dirMeta: [],
  restamp: [],
  skipped: [],
  leftovers: [],
});

/** Every action of a plan, in the order it runs. */
export const planActions = (p: Plan): Action[] => [
  ...p.clear,
  ...p.dirs,
  ...p.transfers,
  ...p.links,
  ...p.deletes,
  ...p.dirMeta,
];
