import type { Failure } from '../../errors.js';
import { comparePaths } from '../order.js';
import type { Entry, Snapshot } from '../tree.js';
import { ColumnEntries, KINDS, type ListingColumns } from './column-entries.js';
import { Numbers } from './numbers.js';

/**
 * Listings in columns: one string of NUL-separated paths per listing and typed arrays, so that
 * passing them from a pool thread to the coordinator is a few memory copies instead of a
 * structured clone of 100,000 objects (which cost more than the walk itself).
 */
export interface EncodedListings extends ListingColumns {
  /** The entries (by column) that are files with other names, and their `dev:ino` keys. */
  readonly linked: Uint32Array;
  readonly links: string[];
  /** The symlinks (by column) and their targets. */
  readonly symlinks: Uint32Array;
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

/**
 * Listings kept in columns, whichever thread walks: nothing is kept per entry but numbers and
 * a share of its listing's one string, so the entries a walk makes die young instead of filling
 * the heap (a million entries as objects took about 256 bytes each per side). A pool thread
 * `encode`s its listings for the coordinator, which `decode`s them into its own and makes the
 * `snapshot`.
 */
export class ColumnSink implements Sink {
  readonly #dirs: string[] = [];
  readonly #paths: string[] = [];
  readonly #counts = new Numbers<Uint32Array>((n) => new Uint32Array(n));
  readonly #starts = new Numbers<Uint32Array>((n) => new Uint32Array(n));
  readonly #kinds = new Numbers<Uint8Array>((n) => new Uint8Array(n));
  readonly #sizes = new Numbers<Float64Array>((n) => new Float64Array(n));
  readonly #mtimes = new Numbers<Float64Array>((n) => new Float64Array(n));
  readonly #modes = new Numbers<Uint16Array>((n) => new Uint16Array(n));
  readonly #uids = new Numbers<Uint32Array>((n) => new Uint32Array(n));
  readonly #gids = new Numbers<Uint32Array>((n) => new Uint32Array(n));
  readonly #links = new Map<number, string>();
  readonly #targets = new Map<number, string>();
  readonly unreadable: Failure[] = [];

  listing(dir: string, entries: Entry[]): void {
    this.#dirs.push(dir);
    this.#counts.push(entries.length);
    const first = this.#kinds.length;
    const count = entries.length;
    const starts = this.#starts.extend(count);
    const kinds = this.#kinds.extend(count);
    const sizes = this.#sizes.extend(count);
    const mtimes = this.#mtimes.extend(count);
    const modes = this.#modes.extend(count);
    const uids = this.#uids.extend(count);
    const gids = this.#gids.extend(count);
    let start = 0;
    for (let i = 0; i < count; i++) {
      const entry = entries[i] as Entry;
      const at = first + i;
      starts[at] = start;
      start += entry.path.length + 1;
      kinds[at] = KINDS.indexOf(entry.kind);
      sizes[at] = entry.size;
      mtimes[at] = entry.mtimeMs;
      modes[at] = entry.mode;
      uids[at] = entry.uid;
      gids[at] = entry.gid;
      if (entry.target !== undefined) this.#targets.set(at, entry.target);
      if (entry.link !== undefined) this.#links.set(at, entry.link);
    }
    this.#paths.push(entries.map((entry) => entry.path).join('\0'));
  }

  encode(): EncodedListings {
    return {
      dirs: this.#dirs,
      paths: this.#paths,
      counts: this.#counts.take(),
      starts: this.#starts.take(),
      kinds: this.#kinds.take(),
      sizes: this.#sizes.take(),
      mtimes: this.#mtimes.take(),
      modes: this.#modes.take(),
      uids: this.#uids.take(),
      gids: this.#gids.take(),
      linked: Uint32Array.from(this.#links.keys()),
      links: [...this.#links.values()],
      symlinks: Uint32Array.from(this.#targets.keys()),
      targets: [...this.#targets.values()],
      unreadable: this.unreadable,
    };
  }

  /** Adds what a pool thread listed. */
  decode(encoded: EncodedListings): void {
    const offset = this.#kinds.length;
    // One by one: spreading more than about 120,000 directories as arguments overflows the stack.
    for (const dir of encoded.dirs) this.#dirs.push(dir);
    for (const paths of encoded.paths) this.#paths.push(paths);
    this.#counts.append(encoded.counts);
    this.#starts.append(encoded.starts);
    this.#kinds.append(encoded.kinds);
    this.#sizes.append(encoded.sizes);
    this.#mtimes.append(encoded.mtimes);
    this.#modes.append(encoded.modes);
    this.#uids.append(encoded.uids);
    this.#gids.append(encoded.gids);
    encoded.linked.forEach((at, i) => void this.#links.set(offset + at, encoded.links[i] as string));
    encoded.symlinks.forEach((at, i) => void this.#targets.set(offset + at, encoded.targets[i] as string));
    for (const failure of encoded.unreadable) this.unreadable.push(failure);
  }

  /** One snapshot in walk order, whichever threads listed which directories. */
  snapshot(root: string): Snapshot {
    const entries = new ColumnEntries({
      dirs: this.#dirs,
      paths: this.#paths,
      counts: this.#counts.view(),
      starts: this.#starts.view(),
      kinds: this.#kinds.view(),
      sizes: this.#sizes.view(),
      mtimes: this.#mtimes.view(),
      modes: this.#modes.view(),
      uids: this.#uids.view(),
      gids: this.#gids.view(),
      links: this.#links,
      targets: this.#targets,
    });
    return { root, entries, unreadable: this.unreadable.toSorted((a, b) => comparePaths(a.path, b.path)) };
  }
}
