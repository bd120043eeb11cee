import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  lchownSync,
  linkSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { describeCause, errnoCode } from '../../errors.js';
import { utimeOfMs, utimeOfNs } from '../mtime.js';
import { type FsPath, fsPath } from '../names.js';
import { nameOf, parentOf } from '../order.js';
import { tempName } from '../temp.js';
import type { Expect, Kind, OpResult, Owner, Replacing } from '../tree.js';
import { Backup } from './backup.js';
import { checkExpected, resultOf } from './changed.js';
import { copyChecked, openToCompare, setFileMeta, stampOpen } from './copy-file.js';
import { DirChain, fdPath, inDir, O_DIR, onEntry } from './dirs.js';
import { makeDirs } from './makedirs.js';
import type { CopyJob, CopyTask } from './tasks.js';

let counter = 0;
let thread: number | undefined;

/**
 * This thread's id, which keeps temporary names of one process's threads apart. Required on
 * first use: `node:worker_threads` costs the coordinator about 4 ms to load, and a run that
 * writes nothing (a no-op over a small tree) never needs it.
 */
const threadId = (): number =>
  (thread ??= (createRequire(import.meta.url)('node:worker_threads') as typeof import('node:worker_threads')).threadId);

/** A temporary name beside `rel`, in its open parent directory. */
export function tempBeside(dirs: DirChain, rel: string): FsPath {
  return inDir(dirs.fd(parentOf(rel) ?? ''), tempName(nameOf(rel), process.pid, threadId(), counter++));
}

/** Removes one entry; already gone (or its directory gone) is what was wanted. */
export function removeEntry(dirs: DirChain, path: string, kind: Kind, expect?: Expect): boolean {
  try {
    const at = dirs.at(path);
    if (expect !== undefined) checkExpected(lstatSync(at, { throwIfNoEntry: false }), expect);
    if (kind === 'dir') {
      dirs.backup?.dir(path);
      rmdirSync(at);
    } else if (dirs.backup) dirs.backup.move(at, path);
    else unlinkSync(at);
    return dirs.backup !== undefined;
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
    return false;
  }
}

/** Removes a directory and all it holds, each level through its own open descriptor, never following a symlink. */
function removeTree(at: FsPath): void {
  onEntry(at, O_DIR, (fd) => {
    for (const name of readdirSync(fdPath(fd), { encoding: 'buffer' })) {
      const child = Buffer.concat([Buffer.from(`${fdPath(fd)}/`), name]);
      if (lstatSync(child).isDirectory()) removeTree(child);
      else unlinkSync(child);
    }
  });
  rmdirSync(at);
}

/** Creates a directory, owner-writable while it is filled (its own mode is applied once its contents are done). */
export function makeDir(dirs: DirChain, path: string, replacing: boolean, expect?: Expect): void {
  if (path === '') {
    makeDirs(dirs.root, 0o700);
    return;
  }
  const at = dirs.at(path);
  const there = replacing || expect !== undefined ? lstatSync(at, { throwIfNoEntry: false }) : undefined;
  checkExpected(there, expect);
  if (replacing && !there?.isDirectory()) unlinkSync(at);
  mkdirSync(at, { mode: 0o700 });
}

/**
 * The time to set on a replica entry: the source's own mtime to the nanosecond (a bigint
 * lstat), when the source is a local tree; else the scan's milliseconds.
 */
export function mtimeToSet(source: DirChain | undefined, path: string, mtimeMs: number): string {
  if (source === undefined) return utimeOfMs(mtimeMs);
  const stat = lstatSync(source.at(path), { bigint: true, throwIfNoEntry: false });
  return stat ? utimeOfNs(stat.mtimeNs) : utimeOfMs(mtimeMs);
}

/** Sets a directory's mode and mtime, on the directory itself (opened without following a symlink). */
export function stampDir(dirs: DirChain, path: string, mode: number, mtime: string, owner: Owner): void {
  onEntry(dirs.at(path), O_DIR, (fd) => stampOpen(fd, mode, mtime, owner));
}

/**
 * A read-only directory (mode without u+w) cannot take new entries or lose old ones, even for
 * its owner (root writes anyway). A directory about to be written into is made owner-writable
 * first; its own mode comes back when it is stamped at the end of the cycle.
 */
export function unlockDir(dirs: DirChain, path: string): void {
  onEntry(dirs.at(path), O_DIR, (fd) => {
    const { mode } = fstatSync(fd);
    if ((mode & 0o200) === 0) fchmodSync(fd, (mode & 0o7777) | 0o700);
  });
}

/** Runs a batch of writes, each independent; failures come back as data. With `held`, see `moveIntoPlace`. */
export function runCopyTask(task: CopyTask, held?: number[]): OpResult[] {
  const source = new DirChain(task.sourceRoot);
  const replica = new DirChain(task.replicaRoot, task.backup === undefined ? undefined : new Backup(task.backup));
  try {
    return task.jobs.map((job) => {
      if (Atomics.load(task.stop, 0) === 1) return { ok: 'skipped' };
      try {
        return runJob(source, replica, job, held);
      } catch (error) {
        return resultOf(job.path, error);
      }
    });
  } finally {
    source.close();
    replica.close();
  }
}

/** Runs one job. */
function runJob(source: DirChain, replica: DirChain, job: CopyJob, held: number[] | undefined): OpResult {
  if (job.kind === 'meta') {
    const mtime = mtimeToSet(source, job.path, job.mtimeMs);
    if (job.mode === undefined) setLinkMeta(replica.at(job.path), mtime, job.owner);
    else setFileMeta(replica.at(job.path), job.mode, mtime, job.owner);
    return { ok: true };
  }
  const temp = tempBeside(replica, job.path);
  // Compared first, then (unless it holds the same bytes) held open as the file it is replaced by.
  let theirs = job.kind === 'file' && job.unlessSame ? openToCompare(replica.at(job.path)) : undefined;
  try {
    try {
      if (job.kind === 'file') {
        if (copyChecked(source, job, temp, theirs) === 'same') return { ok: true, same: true };
      } else {
        symlinkSync(fsPath(job.link), temp);
        setLinkMeta(temp, mtimeToSet(source, job.path, job.mtimeMs), job.owner);
      }
    } catch (error) {
      discard(temp, error);
    }
    const opened = theirs;
    theirs = undefined;
    return moveIntoPlace(replica, job.path, temp, job.replacing, job.expect, held, opened)
      ? { ok: true, backedUp: true }
      : { ok: true };
  } finally {
    if (theirs !== undefined) closeSync(theirs);
  }
}

/** Makes `path` another name of the file at `target`: a link under a temporary name, renamed into place. */
export function linkInto(dirs: DirChain, path: string, target: string, replacing: Replacing): boolean {
  const temp = tempBeside(dirs, path);
  linkSync(dirs.at(target), temp);
  return moveIntoPlace(dirs, path, temp, replacing);
}

/**
 * Renames a file or symlink to the free name `to` beside it: by link and unlink, since a link
 * never replaces what stands at its name.
 */
export function renameFree(dirs: DirChain, path: string, to: string, expect: Expect): void {
  const at = dirs.at(path);
  checkExpected(lstatSync(at, { throwIfNoEntry: false }), expect);
  linkSync(at, dirs.at(to));
  unlinkSync(at);
}

/** A descriptor on the file at `at`, never following a link nor waiting on a FIFO; undefined if it cannot be opened (the rename then frees it). */
function holdOpen(at: FsPath): number | undefined {
  try {
    return openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
}

/** A symlink's owner and mtime, on the link itself. */
function setLinkMeta(at: FsPath, mtime: string, owner: Owner): void {
  if (owner) lchownSync(at, owner.uid, owner.gid);
  lutimesSync(at, mtime, mtime);
}

/** Removes a temporary file that will not be used, then rethrows what went wrong. */
export function discard(temp: FsPath, error: unknown): never {
  try {
    rmSync(temp, { force: true });
  } catch {
    throw new Error(`${describeCause(error)}; could not remove ${temp}`);
  }
  throw error;
}

/**
 * Renames a complete temporary entry over `path`, so the final path only ever holds a whole old
 * or new entry. With `held`, a file replaced that had no other name is opened first (or
 * `opened`, the file there already open, is taken) and its descriptor put there: the rename
 * then does not free the old file's blocks (the last close does), so whoever closes it can do
 * so beside the next copies. `opened` is closed here unless it is put there.
 */
export function moveIntoPlace(
  dirs: DirChain,
  path: string,
  temp: FsPath,
  replacing: Replacing,
  expect?: Expect,
  held?: number[],
  opened?: number,
): boolean {
  let old: number | undefined;
  try {
    const to = dirs.at(path);
    const there = lstatSync(to, { throwIfNoEntry: false });
    checkExpected(there, expect);
    // rename cannot replace a directory with a file: the emptied directory goes first; one the
    // excludes hid goes with what it holds.
    if (replacing !== 'nothing' && there?.isDirectory()) {
      if (replacing === 'excluded') removeTree(to);
      else rmdirSync(to);
    }
    const backedUp = dirs.backup !== undefined && there !== undefined && !there.isDirectory();
    if (backedUp) dirs.backup?.keep(to, path);
    if (held !== undefined && !backedUp && there?.isFile() && there.nlink === 1) old = opened ?? holdOpen(to);
    renameSync(temp, to);
    if (old !== undefined) held?.push(old);
    return backedUp;
  } catch (error) {
    if (old !== undefined && old !== opened) closeSync(old);
    old = undefined;
    return discard(temp, error);
  } finally {
    if (opened !== undefined && opened !== old) closeSync(opened);
  }
}
