import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { describeCause } from './errors.js';
import { compileExcludes, type Exclude } from './filter.js';
import { comparePaths } from './march.js';
import { backOpen, claimBack, claimFront, closeFront, type WalkShare } from './share.js';
import type { Entry, Kind, ScanFailure, Snapshot } from './types.js';

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
  /** Link targets, in the order the symlinks appear. */
  readonly targets: string[];
  readonly unreadable: ScanFailure[];
}

/**
 * Where a walk puts each directory's listing once it has claimed it: the children in name
 * order, and for the root the root itself first.
 */
export interface Sink {
  readonly unreadable: ScanFailure[];
  listing(dir: string, entries: Entry[]): void;
}

/** Listings kept as entries, on the coordinator; `snapshot()` puts them in walk order. */
export class ListingSink implements Sink {
  readonly #listings = new Map<string, Entry[]>();
  readonly unreadable: ScanFailure[] = [];

  listing(dir: string, entries: Entry[]): void {
    this.#listings.set(dir, entries);
  }

  /** Adds what a pool thread listed. */
  decode(encoded: EncodedListings): void {
    const dirs = encoded.counts.length === 0 ? [] : encoded.dirs.split('\0');
    const paths = encoded.kinds.length === 0 ? [] : encoded.paths.split('\0');
    let at = 0;
    let link = 0;
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
        };
        entries.push(kind === 'symlink' ? { ...entry, target: encoded.targets[link++] as string } : entry);
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

/** Listings in columns, on a pool thread whose result crosses to the coordinator. */
class ColumnSink implements Sink {
  readonly #dirs: string[] = [];
  readonly #counts: number[] = [];
  readonly #paths: string[] = [];
  readonly #kinds: number[] = [];
  readonly #sizes: number[] = [];
  readonly #mtimes: number[] = [];
  readonly #modes: number[] = [];
  readonly #targets: string[] = [];
  readonly unreadable: ScanFailure[] = [];

  listing(dir: string, entries: Entry[]): void {
    this.#dirs.push(dir);
    this.#counts.push(entries.length);
    for (const entry of entries) {
      this.#paths.push(entry.path);
      this.#kinds.push(KINDS.indexOf(entry.kind));
      this.#sizes.push(entry.size);
      this.#mtimes.push(entry.mtimeMs);
      this.#modes.push(entry.mode);
      if (entry.target !== undefined) this.#targets.push(entry.target);
    }
  }

  encode(): EncodedListings {
    return {
      dirs: this.#dirs.join('\0'),
      counts: Uint32Array.from(this.#counts),
      paths: this.#paths.join('\0'),
      kinds: Uint8Array.from(this.#kinds),
      sizes: Float64Array.from(this.#sizes),
      mtimes: Float64Array.from(this.#mtimes),
      modes: Uint16Array.from(this.#modes),
      targets: this.#targets,
      unreadable: this.unreadable,
    };
  }
}

const kindOf = (stat: Stats): Kind =>
  stat.isFile() ? 'file' : stat.isDirectory() ? 'dir' : stat.isSymbolicLink() ? 'symlink' : 'special';

function entryOf(path: string, stat: Stats, abs: string): Entry {
  const kind = kindOf(stat);
  const entry: Entry = {
    path,
    kind,
    size: kind === 'file' ? stat.size : 0,
    mtimeMs: stat.mtimeMs,
    mode: stat.mode & 0o7777,
  };
  // readlink here: if it fails the entry is reported unreadable, not half-recorded.
  return kind === 'symlink' ? { ...entry, target: readlinkSync(abs) } : entry;
}

/** The root's own entry; undefined when it does not exist (a replica not created yet). */
function rootEntry(root: string): Entry | undefined {
  const stat = lstatSync(root, { throwIfNoEntry: false });
  return stat && entryOf('', stat, root);
}

/**
 * One directory's children in name order (the order of `comparePaths`), each lstat'ed, never
 * followed. What cannot be read goes to `failures`; excluded children are left out.
 * Synchronous on purpose: a tight readdir + lstat loop is several times faster and leaner
 * than a fan-out of promises.
 */
function list(root: string, dir: string, exclude: Exclude | undefined, failures: ScanFailure[]): Entry[] {
  const abs = dir === '' ? root : `${root}/${dir}`;
  let names: string[];
  try {
    names = readdirSync(abs).sort();
  } catch (error) {
    failures.push({ path: dir, cause: describeCause(error) });
    return [];
  }
  const entries: Entry[] = [];
  for (const name of names) {
    const childAbs = `${abs}/${name}`;
    const childRel = dir === '' ? name : `${dir}/${name}`;
    try {
      // Undefined means it vanished since readdir: absent, not an error.
      const stat = lstatSync(childAbs, { throwIfNoEntry: false });
      if (stat && (exclude === undefined || !exclude(childRel, stat.isDirectory())))
        entries.push(entryOf(childRel, stat, childAbs));
    } catch (error) {
      failures.push({ path: childRel, cause: describeCause(error) });
    }
  }
  return entries;
}

/** Whether the run is shutting down: a walk then ends at its next directory, its snapshot incomplete and not to be acted on. */
const stopped = (stop: Int32Array | undefined): boolean => stop !== undefined && Atomics.load(stop, 0) === 1;

/**
 * Walks a tree from its front: lists directories in walk order, yielding after each. With a
 * share, stops where a helper walking from the back has got to (see share.ts), then closes
 * it: whether it finished or met the helper, no directory is left between the two ends.
 */
export function* walkFront(
  root: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share?: WalkShare,
  stop?: Int32Array,
): Generator<void, void, undefined> {
  yield* front(root, exclude, sink, share, stop);
  if (share !== undefined) closeFront(share);
}

function* front(
  root: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share: WalkShare | undefined,
  stop: Int32Array | undefined,
): Generator<void, void, undefined> {
  const claim = (dir: string): boolean => !stopped(stop) && (share === undefined || claimFront(share, dir));
  if (!claim('')) return;
  const top = rootEntry(root);
  if (top?.kind !== 'dir') {
    if (top !== undefined) sink.listing('', [top]);
    return;
  }
  const pending = [''];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (dir !== '' && !claim(dir)) return;
    const entries = list(root, dir, exclude, sink.unreadable);
    sink.listing(dir, dir === '' ? [top, ...entries] : entries);
    for (let i = entries.length - 1; i >= 0; i--) {
      const child = entries[i] as Entry;
      if (child.kind === 'dir') pending.push(child.path);
    }
    yield;
  }
}

/** Helps a front walk from the back: lists directories in reverse walk order until it meets the front. */
export function* walkBack(
  root: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share: WalkShare,
  stop?: Int32Array,
): Generator<void, void, undefined> {
  if (!backOpen(share) || stopped(stop)) return;
  const top = rootEntry(root);
  if (top?.kind === 'dir') yield* back(root, '', exclude, sink, share, stop, top);
  else if (claimBack(share, '') && top !== undefined) sink.listing('', [top]);
}

/**
 * Lists `dir`, then everything below it from the last directory to the first, then claims
 * `dir` itself: its listing is only kept once claimed. False once it has met the front.
 */
function* back(
  root: string,
  dir: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share: WalkShare,
  stop: Int32Array | undefined,
  top?: Entry,
): Generator<void, boolean, undefined> {
  if (!backOpen(share) || stopped(stop)) return false;
  const failures: ScanFailure[] = [];
  const entries = list(root, dir, exclude, failures);
  for (let i = entries.length - 1; i >= 0; i--) {
    const child = entries[i] as Entry;
    if (child.kind === 'dir' && !(yield* back(root, child.path, exclude, sink, share, stop))) return false;
  }
  if (!claimBack(share, dir)) return false;
  sink.unreadable.push(...failures);
  sink.listing(dir, top === undefined ? entries : [top, ...entries]);
  yield;
  return true;
}

function drain(steps: Generator<void, void, undefined>): void {
  for (let step = steps.next(); !step.done; step = steps.next());
}

/**
 * Runs a walk on the coordinator, letting the event loop in every `pauseMs` or so (between
 * directories), so that a Ctrl-C during a long walk is seen at once, not after it.
 */
export async function drainYielding(steps: Generator<void, void, undefined>, pauseMs = 50): Promise<void> {
  let resumed = performance.now();
  for (let step = steps.next(); !step.done; step = steps.next()) {
    if (performance.now() - resumed >= pauseMs) {
      await setImmediate();
      resumed = performance.now();
    }
  }
}

/** Walks a whole tree on the calling thread. Excluded paths are not listed. */
export function scanTree(root: string, exclude: readonly string[] = []): Snapshot {
  const sink = new ListingSink();
  drain(walkFront(root, compileExcludes(exclude), sink));
  return sink.snapshot(root);
}

/** One walk that a pool thread does: the front of one tree, or the back of another. */
export interface WalkTask {
  readonly root: string;
  readonly exclude: readonly string[];
  readonly share: WalkShare;
  /** The run's stop flag, if any (see `walkFront`). */
  readonly stop?: Int32Array;
}

/** Walks the front of a tree on a pool thread, in columns that cross to the coordinator cheaply. */
export function scanFront(task: WalkTask): EncodedListings {
  const sink = new ColumnSink();
  drain(walkFront(task.root, compileExcludes(task.exclude), sink, task.share, task.stop));
  return sink.encode();
}

/** Helps with a tree from the back on a pool thread. */
export function scanBack(task: WalkTask): EncodedListings {
  const sink = new ColumnSink();
  drain(walkBack(task.root, compileExcludes(task.exclude), sink, task.share, task.stop));
  return sink.encode();
}
