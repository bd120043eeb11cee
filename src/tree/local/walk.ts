import { closeSync, fstatSync, lstatSync, readdirSync } from 'node:fs';
import { setImmediate } from 'node:timers/promises';
import { errnoCode, type Failure, failureOf } from '../../errors.js';
import { compileExcludes, type Exclude } from '../filter.js';
import { encodeName, fsPath, hasRawBytes } from '../names.js';
import { type Entry, isStopped, type Snapshot, type StopFlag } from '../tree.js';
import { ColumnSink, type EncodedListings, type Sink } from './columns.js';
import { fdPath, readLink, readRawNames } from './dirs.js';
import { type Lstat, lstatOf } from './lstat.js';
import { Seen } from './seen.js';
import { backOpen, claimBack, claimFront, closeFront, type WalkShare } from './split-walk.js';
import type { WalkTask } from './tasks.js';

export function entryOf(path: string, stat: Lstat, abs: string | Buffer): Entry {
  const { kind } = stat;
  const entry: Entry = {
    path,
    kind,
    size: kind === 'file' ? stat.size : 0,
    mtimeMs: stat.mtimeMs,
    mode: stat.mode & 0o7777,
    uid: stat.uid,
    gid: stat.gid,
  };
  // readlink here: if it fails the entry is reported unreadable, not half-recorded.
  if (kind === 'symlink') return { ...entry, target: readLink(abs) };
  // Only names of a file with other names cost anything more (a number beyond 2^53 would not key it exactly).
  if (kind === 'file' && stat.nlink > 1)
    return { ...entry, link: `${stat.dev}:${lstatSync(abs, { bigint: true }).ino}` };
  return entry;
}

/** Directory paths longer than this have their children lstat'ed through the directory's descriptor. */
const DEEP = 1024;

/** The root's own entry; undefined when it does not exist (a replica not created yet). */
export function rootEntry(root: string, seen: Seen): Entry | undefined {
  const stat = lstatOf(root);
  if (stat?.kind === 'dir') seen.set('', stat);
  return stat && entryOf('', stat, root);
}

const swapped = (dir: string): Failure => ({
  path: dir,
  code: undefined,
  cause: 'it was swapped for a symlink or another directory while the tree was walked: not read this cycle',
});

/**
 * One directory's children in name order (the order of `comparePaths`), each lstat'ed, never
 * followed. What cannot be read goes to `failures`; excluded children are left out.
 * Synchronous on purpose: a tight readdir + lstat loop is several times faster and leaner
 * than a fan-out of promises.
 *
 * The names come from the directory itself, opened without following a symlink and checked
 * to be the one its parent's listing saw (device and inode): a directory swapped for a
 * symlink is never listed. The children are lstat'ed by path, which is faster than through
 * the descriptor; the directory is checked again afterwards, so a swap that lasts is caught.
 * Contents are only ever read through descriptors (copy and hash open files safely).
 */
export function list(
  root: string,
  dir: string,
  exclude: Exclude | undefined,
  failures: Failure[],
  seen: Seen,
): Entry[] {
  const abs = dir === '' ? root : `${root}/${dir}`;
  if (seen.isMount(dir)) return [];
  const expected = seen.take(dir);
  let fd: number | undefined;
  let kept = false;
  let entries: Entry[];
  // Deep down, a path costs the kernel a lookup per level: children are reached through the
  // descriptor instead, which keeps a deep walk linear (and is slower only on short paths).
  const byPath = abs.length <= DEEP;
  try {
    fd = seen.open(dir, abs);
    const opened = fstatSync(fd);
    if (expected !== undefined && (opened.dev !== expected.dev || opened.ino !== expected.ino)) {
      failures.push(swapped(dir));
      return [];
    }
    const base = byPath ? abs : fdPath(fd);
    // A name that is not UTF-8 reads as one with U+FFFD, which then cannot be found: only such a
    // directory is listed again, as bytes, so the usual case pays nothing for it.
    const list = (names: string[], raw: boolean, found: Failure[]): Entry[] | undefined => {
      const listed = listChildren(names.sort(), base, raw, dir, exclude, found, seen);
      // One by one: spreading more than about 120,000 failures as arguments overflows the stack.
      if (listed) for (const failure of found) failures.push(failure);
      return listed;
    };
    entries = list(readdirSync(fdPath(fd)), false, []) ?? (list(readRawNames(fdPath(fd)), true, []) as Entry[]);
    kept = !byPath && seen.keep(dir, fd);
  } catch (error) {
    const code = errnoCode(error);
    failures.push(code === 'ELOOP' || code === 'ENOTDIR' ? swapped(dir) : failureOf(dir, error));
    return [];
  } finally {
    if (fd !== undefined && !kept) closeSync(fd);
  }
  const after = byPath ? lstatOf(fsPath(abs)) : undefined;
  if (byPath && expected !== undefined && (after?.dev !== expected.dev || after?.ino !== expected.ino)) {
    for (const entry of entries) seen.forget(entry.path);
    failures.push(swapped(dir));
    return [];
  }
  return entries;
}

function listChildren(
  names: readonly string[],
  base: string,
  /** Some names are not UTF-8: those go to lstat as bytes. */
  raw: boolean,
  dir: string,
  exclude: Exclude | undefined,
  failures: Failure[],
  seen: Seen,
): Entry[] | undefined {
  const entries: Entry[] = [];
  const rawBase = hasRawBytes(base);
  for (const name of names) {
    const childAbs = rawBase || (raw && hasRawBytes(name)) ? encodeName(`${base}/${name}`) : `${base}/${name}`;
    // Joined, not concatenated: `+` makes a rope that, once compared, keeps a flat copy besides.
    const childRel = dir === '' ? name : [dir, name].join('/');
    try {
      // Undefined means it vanished since readdir: absent, not an error.
      const stat = lstatOf(childAbs);
      if (stat === undefined && !raw && name.includes('\uFFFD')) return undefined;
      if (stat && (exclude === undefined || !exclude(childRel, stat.kind === 'dir'))) {
        entries.push(entryOf(childRel, stat, childAbs));
        if (stat.kind === 'dir') seen.set(childRel, stat);
      }
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
    if (top !== undefined) sink.listing('', [top]);
    return;
  }
  const pending = [''];
  try {
    for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
      if (dir !== '' && !claim(dir)) return;
      const entries = list(root, dir, exclude, sink.unreadable, seen);
      sink.listing(dir, dir === '' ? [top, ...entries] : entries);
      for (let i = entries.length - 1; i >= 0; i--) {
        const child = entries[i] as Entry;
        if (child.kind === 'dir') pending.push(child.path);
      }
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
    if (top?.kind === 'dir') yield* back(root, '', exclude, sink, share, stop, seen, top);
    else if (claimBack(share, '') && top !== undefined) sink.listing('', [top]);
  } finally {
    seen.close();
  }
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
  seen: Seen,
  top?: Entry,
): Generator<void, boolean, undefined> {
  if (!backOpen(share) || isStopped(stop)) return false;
  const failures: Failure[] = [];
  const entries = list(root, dir, exclude, failures, seen);
  for (let i = entries.length - 1; i >= 0; i--) {
    const child = entries[i] as Entry;
    if (child.kind === 'dir' && !(yield* back(root, child.path, exclude, sink, share, stop, seen))) return false;
  }
  if (!claimBack(share, dir)) return false;
  for (const failure of failures) sink.unreadable.push(failure);
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
