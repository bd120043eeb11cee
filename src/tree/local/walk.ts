import { setImmediate } from 'node:timers/promises';
import type { Failure } from '../../errors.js';
import { compileExcludes, type Exclude } from '../filter.js';
import { type Entry, isStopped, type Snapshot, type StopFlag } from '../tree.js';
import { ColumnSink, type EncodedListings, type Sink } from './columns.js';
import { list, onlyRoot, rootEntry } from './list.js';
import { Listing } from './listing.js';
import { Seen } from './seen.js';
import { backOpen, claimBack, claimFront, closeFront, type WalkShare } from './split-walk.js';
import type { WalkTask } from './tasks.js';

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
  oneFileSystem = false,
): Generator<void, void, undefined> {
  yield* front(root, exclude, sink, share, stop, oneFileSystem);
  if (share !== undefined) closeFront(share);
}

function* front(
  root: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share: WalkShare | undefined,
  stop: StopFlag | undefined,
  oneFileSystem: boolean,
): Generator<void, void, undefined> {
  const claim = (dir: string): boolean => !isStopped(stop) && (share === undefined || claimFront(share, dir));
  if (!claim('')) return;
  const seen = new Seen(oneFileSystem);
  const top = rootEntry(root, seen);
  if (top?.kind !== 'dir') {
    if (top !== undefined) sink.take(onlyRoot(top));
    return;
  }
  const pending = [''];
  const listing = new Listing();
  try {
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      if (dir !== '' && !claim(dir)) return;
      sink.take(list(root, dir, exclude, sink.unreadable, seen, listing, dir === '' ? top : undefined));
      for (let i = listing.dirs.length - 1; i >= 0; i--) pending.push(listing.dirs[i] as string);
      yield;
    }
  } finally {
    seen.close();
  }
}

/** Helps a front walk from the back: lists directories in reverse walk order until it meets the front. */
export function* walkBack(
  root: string,
  exclude: Exclude | undefined,
  sink: Sink,
  share: WalkShare,
  stop?: StopFlag,
  oneFileSystem = false,
): Generator<void, void, undefined> {
  if (!backOpen(share) || isStopped(stop)) return;
  const seen = new Seen(oneFileSystem);
  const top = rootEntry(root, seen);
  try {
    const walk = { root, exclude, sink, share, stop, seen, listings: [] };
    if (top?.kind === 'dir') yield* back(walk, '', 0, top);
    else if (claimBack(share, '') && top !== undefined) sink.take(onlyRoot(top));
  } finally {
    seen.close();
  }
}

/** What a walk from the back carries down: a listing per depth, each held until its directory is claimed. */
interface BackWalk {
  readonly root: string;
  readonly exclude: Exclude | undefined;
  readonly sink: Sink;
  readonly share: WalkShare;
  readonly stop: StopFlag | undefined;
  readonly seen: Seen;
  readonly listings: Listing[];
}

/**
 * Lists `dir`, then everything below it from the last directory to the first, then claims
 * `dir` itself: its listing is only kept once claimed. False once it has met the front.
 */
function* back(walk: BackWalk, dir: string, depth: number, top?: Entry): Generator<void, boolean, undefined> {
  if (!backOpen(walk.share) || isStopped(walk.stop)) return false;
  const failures: Failure[] = [];
  walk.listings[depth] ??= new Listing();
  const listing = list(walk.root, dir, walk.exclude, failures, walk.seen, walk.listings[depth], top);
  for (let i = listing.dirs.length - 1; i >= 0; i--) {
    if (!(yield* back(walk, listing.dirs[i] as string, depth + 1))) return false;
  }
  if (!claimBack(walk.share, dir)) return false;
  for (const failure of failures) walk.sink.unreadable.push(failure);
  walk.sink.take(listing);
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
  const sink = new ColumnSink();
  drain(walkFront(root, compileExcludes(exclude), sink));
  return sink.snapshot(root);
}

/** Walks the front of a tree on a pool thread, in columns that cross to the coordinator cheaply. */
export function scanFront(task: WalkTask): EncodedListings {
  const sink = new ColumnSink();
  drain(walkFront(task.root, compileExcludes(task.exclude), sink, task.share, task.stop, task.oneFileSystem));
  return sink.encode();
}

/** Helps with a tree from the back on a pool thread. */
export function scanBack(task: WalkTask): EncodedListings {
  const sink = new ColumnSink();
  drain(walkBack(task.root, compileExcludes(task.exclude), sink, task.share, task.stop, task.oneFileSystem));
  return sink.encode();
}
