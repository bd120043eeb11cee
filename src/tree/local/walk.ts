import { lstatSync, readdirSync, readlinkSync, type Stats } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { type Failure, failureOf } from '../../errors.js';
import { compileExcludes, type Exclude } from '../filter.js';
import { type Entry, isStopped, type Kind, type Snapshot, type StopFlag } from '../tree.js';
import { ColumnSink, type EncodedListings, ListingSink, type Sink } from './columns.js';
import { backOpen, claimBack, claimFront, closeFront, type WalkShare } from './split-walk.js';
import type { WalkTask } from './tasks.js';

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
function list(root: string, dir: string, exclude: Exclude | undefined, failures: Failure[]): Entry[] {
  const abs = dir === '' ? root : `${root}/${dir}`;
  let names: string[];
  try {
    names = readdirSync(abs).sort();
  } catch (error) {
    failures.push(failureOf(dir, error));
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
      failures.push(failureOf(childRel, error));
    }
  }
  return entries;
}

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
  stop?: StopFlag,
): Generator<void, void, undefined> {
  yield* front(root, exclude, sink, share, stop);
  if (share !== undefined) closeFront(share);
}

function* front(
  root: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share: WalkShare | undefined,
  stop: StopFlag | undefined,
): Generator<void, void, undefined> {
  const claim = (dir: string): boolean => !isStopped(stop) && (share === undefined || claimFront(share, dir));
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
  stop?: StopFlag,
): Generator<void, void, undefined> {
  if (!backOpen(share) || isStopped(stop)) return;
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
  stop: StopFlag | undefined,
  top?: Entry,
): Generator<void, boolean, undefined> {
  if (!backOpen(share) || isStopped(stop)) return false;
  const failures: Failure[] = [];
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
