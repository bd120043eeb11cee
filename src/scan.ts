import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { describeCause } from './errors.js';
import { compileExcludes, type Exclude } from './filter.js';
import type { Entry, Kind, ScanFailure, Snapshot } from './types.js';

const KINDS: readonly Kind[] = ['file', 'dir', 'symlink', 'special'];
const FILE = 0;
const DIR = 1;
const SYMLINK = 2;
const SPECIAL = 3;

/**
 * A snapshot in columns: one string of NUL-separated paths and typed arrays, so that passing
 * it from the scanning thread to the coordinator is a few memory copies instead of a
 * structured clone of 100,000 objects (which cost more than the walk itself).
 */
export interface EncodedSnapshot {
  readonly root: string;
  readonly paths: string;
  readonly kinds: Uint8Array;
  readonly sizes: Float64Array;
  readonly mtimes: Float64Array;
  readonly modes: Uint16Array;
  /** Link targets, in the order the symlinks appear. */
  readonly targets: string[];
  readonly unreadable: ScanFailure[];
}

const CLAIMANT = { worker: 1, coordinator: 2 } as const;

/** A fresh claim for one walk that either a pool thread or the coordinator may do. */
export const newClaim = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));

/**
 * True for the first thread to ask, false for the other. The coordinator asks once it has
 * walked the source: on a small tree that is long before a new pool thread has booted, and
 * walking the replica itself beats waiting for it.
 */
export const claimScan = (claim: Int32Array, by: keyof typeof CLAIMANT): boolean => Atomics.compareExchange(claim, 0, 0, CLAIMANT[by]) === 0;

/** Where a walk puts what it finds; chosen once per walk, so the per-entry path does not branch on it. */
interface Sink {
  readonly unreadable: ScanFailure[];
  /** Records one entry and returns its kind (a `Kind` index). */
  add(path: string, stat: Stats, abs: string): number;
}

function kindIndex(stat: Stats): number {
  return stat.isFile() ? FILE : stat.isDirectory() ? DIR : stat.isSymbolicLink() ? SYMLINK : SPECIAL;
}

/** Columns, for a walk on a pool thread whose result crosses to the coordinator. */
class ColumnSink implements Sink {
  readonly paths: string[] = [];
  readonly kinds: number[] = [];
  readonly sizes: number[] = [];
  readonly mtimes: number[] = [];
  readonly modes: number[] = [];
  readonly targets: string[] = [];
  readonly unreadable: ScanFailure[] = [];

  add(path: string, stat: Stats, abs: string): number {
    const kind = kindIndex(stat);
    // readlink first: if it fails the entry is reported unreadable, not half-recorded.
    if (kind === SYMLINK) this.targets.push(readlinkSync(abs));
    this.paths.push(path);
    this.kinds.push(kind);
    this.sizes.push(kind === FILE ? stat.size : 0);
    this.mtimes.push(stat.mtimeMs);
    this.modes.push(stat.mode & 0o7777);
    return kind;
  }
}

/** Entry objects, for a walk on the coordinator itself. */
class EntrySink implements Sink {
  readonly entries: Entry[] = [];
  readonly unreadable: ScanFailure[] = [];

  add(path: string, stat: Stats, abs: string): number {
    const kind = kindIndex(stat);
    const entry: Entry = { path, kind: KINDS[kind] as Kind, size: kind === FILE ? stat.size : 0, mtimeMs: stat.mtimeMs, mode: stat.mode & 0o7777 };
    this.entries.push(kind === SYMLINK ? { ...entry, target: readlinkSync(abs) } : entry);
    return kind;
  }
}

/**
 * Walks one tree without following symlinks, in the order of `comparePaths`. Synchronous
 * on purpose: a tight readdir + lstat loop is several times faster and leaner than a
 * fan-out of promises. A missing root gives an empty snapshot (a replica not created yet).
 */
function* walkTree(root: string, sink: Sink, exclude: Exclude | undefined): Generator<void, void, undefined> {
  const rootStat = lstatSync(root, { throwIfNoEntry: false });
  if (rootStat && sink.add('', rootStat, root) === DIR) yield* walk(root, '', sink, exclude);
}

/** Yields after each directory, so that a walk on the coordinator can let signals in. */
function* walk(abs: string, rel: string, sink: Sink, exclude: Exclude | undefined): Generator<void, void, undefined> {
  let names: string[];
  try {
    // Sorted, so both trees come out in the one order that march() merges.
    names = readdirSync(abs).sort();
  } catch (error) {
    sink.unreadable.push({ path: rel, cause: describeCause(error) });
    return;
  }
  for (const name of names) {
    const childAbs = `${abs}/${name}`;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    try {
      // Undefined means it vanished since readdir: absent, not an error.
      const stat = lstatSync(childAbs, { throwIfNoEntry: false });
      if (!stat || (exclude !== undefined && exclude(childRel, stat.isDirectory()))) continue;
      if (sink.add(childRel, stat, childAbs) === DIR) yield* walk(childAbs, childRel, sink, exclude);
    } catch (error) {
      sink.unreadable.push({ path: childRel, cause: describeCause(error) });
    }
  }
  yield;
}

function drain(steps: Generator<void, void, undefined>): void {
  for (let step = steps.next(); !step.done; step = steps.next());
}

/** Scans a tree on a pool thread, in columns that cross to the coordinator cheaply. Excluded paths are not listed. */
export function scanEncoded(root: string, exclude: readonly string[] = []): EncodedSnapshot {
  const columns = new ColumnSink();
  drain(walkTree(root, columns, compileExcludes(exclude)));
  return {
    root,
    paths: columns.paths.join('\0'),
    kinds: Uint8Array.from(columns.kinds),
    sizes: Float64Array.from(columns.sizes),
    mtimes: Float64Array.from(columns.mtimes),
    modes: Uint16Array.from(columns.modes),
    targets: columns.targets,
    unreadable: columns.unreadable,
  };
}

/** Scans a tree on the calling thread. Excluded paths are not listed. */
export function scanTree(root: string, exclude: readonly string[] = []): Snapshot {
  const sink = new EntrySink();
  drain(walkTree(root, sink, compileExcludes(exclude)));
  return { root, entries: sink.entries, unreadable: sink.unreadable };
}

/**
 * As `scanTree`, but lets the event loop run every `pauseMs` or so (between directories),
 * so that a Ctrl-C during a long walk on the coordinator is seen at once, not after it.
 */
export async function scanTreeYielding(root: string, exclude: readonly string[] = [], pauseMs = 50): Promise<Snapshot> {
  const sink = new EntrySink();
  const steps = walkTree(root, sink, compileExcludes(exclude));
  let resumed = performance.now();
  for (let step = steps.next(); !step.done; step = steps.next()) {
    if (performance.now() - resumed >= pauseMs) {
      await setImmediate();
      resumed = performance.now();
    }
  }
  return { root, entries: sink.entries, unreadable: sink.unreadable };
}

/** Rebuilds the entries on the coordinator. */
export function decodeSnapshot(encoded: EncodedSnapshot): Snapshot {
  const entries: Entry[] = [];
  const count = encoded.kinds.length;
  const paths = count === 0 ? [] : encoded.paths.split('\0');
  let link = 0;
  for (let i = 0; i < count; i++) {
    const path = paths[i] as string;
    const kind = KINDS[encoded.kinds[i] as number] as Kind;
    const entry: Entry = { path, kind, size: encoded.sizes[i] as number, mtimeMs: encoded.mtimes[i] as number, mode: encoded.modes[i] as number };
    entries.push(kind === 'symlink' ? { ...entry, target: encoded.targets[link++] as string } : entry);
  }
  return { root: encoded.root, entries, unreadable: encoded.unreadable };
}
