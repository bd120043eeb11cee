import type { Failure } from '../../errors.js';
import { comparePaths } from '../order.js';
import type { Snapshot } from '../tree.js';
import { ColumnEntries, type ListingColumns } from './column-entries.js';
import type { Listing } from './listing.js';
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
  /** Copies the listing, which its walk then reuses. */
  take(listing: Listing): void;
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

  take(listing: Listing): void {
    const count = listing.count;
    const first = this.#kinds.length;
    this.#dirs.push(listing.dir);
    this.#counts.push(count);
    this.#kinds.extend(count).set(listing.kinds.subarray(0, count), first);
    this.#sizes.extend(count).set(listing.sizes.subarray(0, count), first);
    this.#mtimes.extend(count).set(listing.mtimes.subarray(0, count), first);
    this.#modes.extend(count).set(listing.modes.subarray(0, count), first);
    this.#uids.extend(count).set(listing.uids.subarray(0, count), first);
    this.#gids.extend(count).set(listing.gids.subarray(0, count), first);
    const starts = this.#starts.extend(count);
    const prefix = listing.dir === '' ? 0 : listing.dir.length + 1;
    const { names } = listing;
    let start = 0;
    for (let i = 0; i < count; i++) {
      starts[first + i] = start;
      start += prefix + (names[i] as string).length + 1;
    }
    for (const [i, target] of listing.targets) this.#targets.set(first + i, target);
    for (const [i, link] of listing.links) this.#links.set(first + i, link);
    this.#paths.push(listing.joinedPaths());
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
