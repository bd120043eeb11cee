import type { Failure } from '../../errors.js';
import { comparePaths } from '../order.js';
import type { Entry, Kind, Snapshot } from '../tree.js';

const KINDS: readonly Kind[] = ['file', 'dir', 'symlink', 'special'];

/**
 * Listings in columns: one string of NUL-separated paths and typed arrays, so that passing
 * them from a pool thread to the coordinator is a few memory copies instead of a structured
 * clone of 100,000 objects (which cost more than the walk itself).
 */
export interface EncodedListings {
  /** The listed directories, NUL-separated (the root is `''`). */
  readonly dirs: string;
  /** How many entries each listing has, in the order of `dirs`. */
  readonly counts: Uint32Array;
  readonly paths: string;
  readonly kinds: Uint8Array;
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;
  readonly modes: Uint16Array;
  readonly uids: Uint32Array;
  readonly gids: Uint32Array;
  /** The entries (by index) that are files with other names, and their `dev:ino` keys. */
  readonly linked: Uint32Array;
  readonly links: string[];
  /** Link targets, in the order the symlinks appear. */
  readonly targets: string[];
  readonly unreadable: Failure[];
}

/**
 * Where a walk puts each directory's listing once it has claimed it: the children in name
 * order, and for the root the root itself first.
 */
export interface Sink {
  readonly unreadable: Failure[];
  listing(dir: string, entries: Entry[]): void;
}

/** Listings kept as entries, on the coordinator; `snapshot()` puts them in walk order. */
export class ListingSink implements Sink {
  readonly #listings = new Map<string, Entry[]>();
  readonly unreadable: Failure[] = [];

  listing(dir: string, entries: Entry[]): void {
    this.#listings.set(dir, entries);
  }

  /** Adds what a pool thread listed. */
  decode(encoded: EncodedListings): void {
    const dirs = encoded.counts.length === 0 ? [] : encoded.dirs.split('\0');
    const paths = encoded.kinds.length === 0 ? [] : encoded.paths.split('\0');
    let at = 0;
    let link = 0;
    let linked = 0;
    // The next entry with other names (reading past a typed array's end would slow the whole loop).
    let nextLinked = encoded.linked.length > 0 ? (encoded.linked[0] as number) : -1;
    dirs.forEach((dir, d) => {
      const entries: Entry[] = [];
      for (const end = at + (encoded.counts[d] as number); at < end; at++) {
        const kind = KINDS[encoded.kinds[at] as number] as Kind;
        const entry: Entry = {
          path: paths[at] as string,
          kind,
          size: encoded.sizes[at] as number,
          mtimeMs: encoded.mtimes[at] as number,
          mode: encoded.modes[at] as number,
          uid: encoded.uids[at] as number,
          gid: encoded.gids[at] as number,
        };
        if (kind === 'symlink') entries.push({ ...entry, target: encoded.targets[link++] as string });
        else if (at === nextLinked) {
          entries.push({ ...entry, link: encoded.links[linked++] as string });
          nextLinked = linked < encoded.linked.length ? (encoded.linked[linked] as number) : -1;
        } else entries.push(entry);
      }
      this.#listings.set(dir, entries);
    });
    this.unreadable.push(...encoded.unreadable);
  }

  /** One snapshot in walk order, whichever threads listed which directories. */
  snapshot(root: string): Snapshot {
    const entries: Entry[] = [];
    const emit = (dir: string): void => {
      for (const entry of this.#listings.get(dir) ?? []) {
        entries.push(entry);
        if (entry.kind === 'dir' && entry.path !== dir) emit(entry.path);
      }
    };
    emit('');
    return { root, entries, unreadable: [...this.unreadable].sort((a, b) => comparePaths(a.path, b.path)) };
  }
}

/** A column of numbers kept in a typed array that doubles as it fills: nothing per number for the collector. */
class Numbers<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array> {
  #values: T;
  #length = 0;

  constructor(readonly make: (length: number) => T) {
    this.#values = make(1024);
  }

  push(value: number): void {
    if (this.#length === this.#values.length) {
      const grown = this.make(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#length++] = value;
  }

  /** Exactly the numbers pushed: a structured clone copies the whole buffer of a view. */
  take(): T {
    return this.#values.slice(0, this.#length) as T;
  }
}

/**
 * Listings in columns, on a pool thread whose result crosses to the coordinator. Nothing is
 * kept per entry but numbers: each listing's paths are joined as it comes, so the entries and
 * their path strings die young instead of filling the thread's heap until the walk ends.
 */
export class ColumnSink implements Sink {
  readonly #dirs: string[] = [];
  readonly #counts = new Numbers((n) => new Uint32Array(n));
  /** Each non-empty listing's paths, NUL-separated. */
  readonly #paths: string[] = [];
  #entries = 0;
  readonly #kinds = new Numbers((n) => new Uint8Array(n));
  readonly #sizes = new Numbers((n) => new Float64Array(n));
  readonly #mtimes = new Numbers((n) => new Float64Array(n));
  readonly #modes = new Numbers((n) => new Uint16Array(n));
  readonly #uids = new Numbers((n) => new Uint32Array(n));
  readonly #gids = new Numbers((n) => new Uint32Array(n));
  readonly #linked: number[] = [];
  readonly #links: string[] = [];
  readonly #targets: string[] = [];
  readonly unreadable: Failure[] = [];

  listing(dir: string, entries: Entry[]): void {
    this.#dirs.push(dir);
    this.#counts.push(entries.length);
    if (entries.length > 0) this.#paths.push(entries.map((entry) => entry.path).join('\0'));
    for (const entry of entries) {
      this.#kinds.push(KINDS.indexOf(entry.kind));
      this.#sizes.push(entry.size);
      this.#mtimes.push(entry.mtimeMs);
      this.#modes.push(entry.mode);
      this.#uids.push(entry.uid);
      this.#gids.push(entry.gid);
      if (entry.target !== undefined) this.#targets.push(entry.target);
      if (entry.link !== undefined) {
        this.#linked.push(this.#entries);
        this.#links.push(entry.link);
      }
      this.#entries++;
    }
  }

  encode(): EncodedListings {
    return {
      dirs: this.#dirs.join('\0'),
      counts: this.#counts.take(),
      paths: this.#paths.join('\0'),
      kinds: this.#kinds.take(),
      sizes: this.#sizes.take(),
      mtimes: this.#mtimes.take(),
      modes: this.#modes.take(),
      uids: this.#uids.take(),
      gids: this.#gids.take(),
      linked: Uint32Array.from(this.#linked),
      links: this.#links,
      targets: this.#targets,
      unreadable: this.unreadable,
    };
  }
}
