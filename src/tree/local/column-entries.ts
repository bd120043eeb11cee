import type { Entries, Entry, Kind } from '../tree.js';

export const KINDS: readonly Kind[] = ['file', 'dir', 'symlink', 'special'];
/** Each kind's index in `KINDS`, as the kinds column holds it. */
export const KIND = { file: 0, dir: 1, symlink: 2, special: 3 } as const satisfies Record<Kind, number>;
const DIR = KIND.dir;
const SETID = 0o6000;

/** Listings in columns, entry by entry in the order they were listed (see columns.ts). */
export interface ListingColumns {
  /** The listed directories, in the order they were listed (the root is `''`). */
  readonly dirs: readonly string[];
  /** Each listing's paths, NUL-separated, in the order of `dirs`. */
  readonly paths: readonly string[];
  /** How many entries each listing has. */
  readonly counts: Uint32Array;
  /** Where each entry's path starts in its listing's string. */
  readonly starts: Uint32Array;
  readonly kinds: Uint8Array;
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;
  readonly modes: Uint16Array;
  readonly uids: Uint32Array;
  readonly gids: Uint32Array;
}

/** With the few entries that have more: files with other names (`dev:ino`) and symlink targets, by column. */
export interface Columns extends ListingColumns {
  readonly links: ReadonlyMap<number, string>;
  readonly targets: ReadonlyMap<number, string>;
}

/**
 * A snapshot's entries over columns, in walk order: each entry is made when it is read, so a
 * march over two snapshots leaves only garbage that dies young. Per entry this keeps its
 * numbers, its path's share of its listing's string, and three indexes (about 40 bytes).
 */
export class ColumnEntries implements Entries {
  readonly #paths: readonly string[];
  readonly #starts: Uint32Array;
  readonly #kinds: Uint8Array;
  readonly #sizes: Float64Array;
  readonly #mtimes: Float64Array;
  readonly #modes: Uint16Array;
  readonly #uids: Uint32Array;
  readonly #gids: Uint32Array;
  readonly #links: ReadonlyMap<number, string>;
  readonly #targets: ReadonlyMap<number, string>;
  /** Walk position → column. */
  readonly #order: Uint32Array;
  /** Column → its listing. */
  readonly #listing: Uint32Array;

  constructor(columns: Columns) {
    this.#paths = columns.paths;
    this.#starts = columns.starts;
    this.#kinds = columns.kinds;
    this.#sizes = columns.sizes;
    this.#mtimes = columns.mtimes;
    this.#modes = columns.modes;
    this.#uids = columns.uids;
    this.#gids = columns.gids;
    this.#links = columns.links;
    this.#targets = columns.targets;
    const { counts, kinds } = columns;
    this.#listing = new Uint32Array(kinds.length);
    const first = new Uint32Array(counts.length + 1);
    const byDir = new Map<string, number>();
    counts.forEach((count, l) => {
      first[l + 1] = (first[l] as number) + count;
      this.#listing.fill(l, first[l], first[l + 1]);
      // A directory listed twice (watch mode's ways down) is its last listing.
      byDir.set(columns.dirs[l] as string, l);
    });
    const order = new Uint32Array(kinds.length);
    let length = 0;
    // Depth first without recursion, each directory's listing right after its own entry: pairs of (next column, end).
    const stack: number[] = [];
    const open = (l: number | undefined): void => {
      if (l !== undefined) stack.push(first[l] as number, first[l + 1] as number);
    };
    open(byDir.get(''));
    while (stack.length > 0) {
      const top = stack.length - 2;
      const column = stack[top] as number;
      if (column === stack[top + 1]) {
        stack.length = top;
        continue;
      }
      stack[top] = column + 1;
      order[length++] = column;
      if (kinds[column] === DIR) {
        const path = this.#path(column);
        // The root is the first entry of its own listing.
        if (path !== '') open(byDir.get(path));
      }
    }
    // A stopped walk may have listed directories whose parent it never listed: not reached.
    this.#order = order.subarray(0, length);
  }

  get length(): number {
    return this.#order.length;
  }

  at(index: number): Entry | undefined {
    const column = this.#order[index];
    if (column === undefined) return undefined;
    const path = this.#path(column);
    const kind = KINDS[this.#kinds[column] as number] as Kind;
    const size = this.#sizes[column] as number;
    const mtimeMs = this.#mtimes[column] as number;
    const mode = this.#modes[column] as number;
    const uid = this.#uids[column] as number;
    const gid = this.#gids[column] as number;
    const target = kind === 'symlink' && this.#targets.size > 0 ? this.#targets.get(column) : undefined;
    if (target !== undefined) return { path, kind, size, mtimeMs, mode, uid, gid, target };
    const link = kind === 'file' && this.#links.size > 0 ? this.#links.get(column) : undefined;
    if (link !== undefined) return { path, kind, size, mtimeMs, mode, uid, gid, link };
    return { path, kind, size, mtimeMs, mode, uid, gid };
  }

  plainTwin(index: number, other: Entries, at: number): boolean {
    if (!(other instanceof ColumnEntries)) return false;
    const a = this.#order[index];
    const b = other.#order[at];
    if (a === undefined || b === undefined) return false;
    const kind = this.#kinds[a];
    const mode = this.#modes[a] as number;
    return (
      (kind === KIND.file || kind === KIND.symlink) &&
      kind === other.#kinds[b] &&
      (mode & SETID) === 0 &&
      mode === other.#modes[b] &&
      this.#sizes[a] === other.#sizes[b] &&
      this.#mtimes[a] === other.#mtimes[b] &&
      this.#uids[a] === other.#uids[b] &&
      this.#gids[a] === other.#gids[b] &&
      (this.#links.size === 0 || !this.#links.has(a)) &&
      (other.#links.size === 0 || !other.#links.has(b)) &&
      (kind === KIND.file || this.#targets.get(a) === other.#targets.get(b)) &&
      this.#path(a) === other.#path(b)
    );
  }

  #path(column: number): string {
    const listing = this.#listing[column] as number;
    const starts = this.#starts;
    const joined = this.#paths[listing] as string;
    const next = column + 1;
    const end = next < starts.length && this.#listing[next] === listing ? (starts[next] as number) - 1 : joined.length;
    return joined.slice(starts[column], end);
  }
}
