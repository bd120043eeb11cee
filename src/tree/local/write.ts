import {
  chmodSync,
  constants,
  copyFileSync,
  lstatSync,
  lutimesSync,
  mkdirSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  utimesSync,
} from 'node:fs';
import { threadId } from 'node:worker_threads';
import { describeCause, errnoCode, failureOf } from '../../errors.js';
import { msOfNs, utimeOfMs, utimeOfNs } from '../mtime.js';
import { nameOf, parentOf } from '../order.js';
import { tempName } from '../temp.js';
import type { Kind, OpResult, Replacing } from '../tree.js';
import { assertRealDir } from './guard.js';
import { makeDirs } from './makedirs.js';
import type { CopyJob, CopyTask } from './tasks.js';

/**
 * Where the writes of one batch land in a tree: every write names a directory of the tree
 * (relative) and a name in it. The directory is checked once per batch to be reached through
 * no symlink, at the point of writing, since a directory can be swapped for a symlink after
 * the scan; every path below is built from that checked directory.
 */
export class TreeDirs {
  readonly #verified = new Set<string>();
  constructor(readonly root: string) {}

  /** The absolute path of `rel`, once its parent directory has been checked. */
  at(rel: string): string {
    if (rel === '') return this.root;
    const parent = parentOf(rel) as string;
    const dir = parent === '' ? this.root : `${this.root}/${parent}`;
    assertRealDir(dir, this.#verified);
    return `${dir}/${nameOf(rel)}`;
  }

  /** A temporary name beside `rel` (in its checked directory). */
  tempBeside(rel: string): string {
    const final = this.at(rel);
    return `${final.slice(0, final.length - nameOf(rel).length)}${tempName(nameOf(rel), process.pid, threadId, counter++)}`;
  }
}

let counter = 0;

class SourceChanged extends Error {}

/** Removes one entry; already gone is what was wanted. */
export function removeEntry(dirs: TreeDirs, path: string, kind: Kind): void {
  const abs = dirs.at(path);
  try {
    if (kind === 'dir') rmdirSync(abs);
    else unlinkSync(abs);
  } catch (error) {
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
}

/** Creates a directory, owner-writable while it is filled (its own mode is applied once its contents are done). */
export function makeDir(dirs: TreeDirs, path: string, replacing: boolean): void {
  const abs = dirs.at(path);
  if (replacing && !lstatSync(abs, { throwIfNoEntry: false })?.isDirectory()) unlinkSync(abs);
  if (path === '') makeDirs(abs, 0o700);
  else mkdirSync(abs, { mode: 0o700 });
}

/**
 * The time to set on a replica entry: the source's own mtime to the nanosecond (a bigint
 * lstat), when the source is a local tree; else the scan's milliseconds.
 */
export function mtimeToSet(sourceRoot: string | undefined, path: string, mtimeMs: number): string {
  if (sourceRoot === undefined) return utimeOfMs(mtimeMs);
  const stat = lstatSync(path === '' ? sourceRoot : `${sourceRoot}/${path}`, { bigint: true, throwIfNoEntry: false });
  return stat ? utimeOfNs(stat.mtimeNs) : utimeOfMs(mtimeMs);
}

/** Sets a directory's mode and mtime; only what is still a real directory (chmod follows symlinks). */
export function stampDir(dirs: TreeDirs, path: string, mode: number, mtime: string): void {
  const abs = dirs.at(path);
  if (!lstatSync(abs).isDirectory()) throw new Error('it is no longer a directory');
  chmodSync(abs, mode);
  utimesSync(abs, mtime, mtime);
}

/**
 * A read-only directory (mode without u+w) cannot take new entries or lose old ones, even for
 * its owner (root writes anyway). A directory about to be written into is made owner-writable
 * first; its own mode comes back when it is stamped at the end of the cycle.
 */
export function unlockDir(dirs: TreeDirs, path: string): void {
  const abs = dirs.at(path);
  const stat = lstatSync(abs, { throwIfNoEntry: false });
  if (stat?.isDirectory() && (stat.mode & 0o200) === 0) chmodSync(abs, (stat.mode & 0o7777) | 0o700);
}

/** Pool task: run a batch of writes, each independent; failures come back as data. */
export function runCopyTask(task: CopyTask): OpResult[] {
  const dirs = new TreeDirs(task.replicaRoot);
  return task.jobs.map((job) => {
    if (Atomics.load(task.stop, 0) === 1) return { ok: 'skipped' };
    try {
      runJob(task.sourceRoot, dirs, job);
      return { ok: true };
    } catch (error) {
      if (error instanceof SourceChanged) return { ok: 'changed', reason: error.message };
      return { ok: false, failure: failureOf(job.path, error) };
    }
  });
}

function runJob(sourceRoot: string, dirs: TreeDirs, job: CopyJob): void {
  const to = dirs.at(job.path);
  if (job.kind === 'meta') {
    const mtime = mtimeToSet(sourceRoot, job.path, job.mtimeMs);
    // chmod and utimes follow symlinks: make sure the entry is still what the scan saw.
    const stat = lstatSync(to);
    if (job.mode === undefined) lutimesSync(to, mtime, mtime);
    else if (!stat.isFile()) throw new Error('it is no longer a regular file');
    else {
      chmodSync(to, job.mode);
      utimesSync(to, mtime, mtime);
    }
    return;
  }
  const temp = dirs.tempBeside(job.path);
  try {
    if (job.kind === 'file') {
      const mtime = utimeOfNs(copyChecked(`${sourceRoot}/${job.path}`, job, temp));
      chmodSync(temp, job.mode);
      utimesSync(temp, mtime, mtime);
    } else {
      symlinkSync(job.link, temp);
      const mtime = mtimeToSet(sourceRoot, job.path, job.mtimeMs);
      lutimesSync(temp, mtime, mtime);
    }
  } catch (error) {
    discard(temp, error);
  }
  moveIntoPlace(dirs, job.path, temp, job.replacing);
}

/** Removes a temporary file that will not be used, then rethrows what went wrong. */
export function discard(temp: string, error: unknown): never {
  try {
    rmSync(temp, { force: true });
  } catch {
    throw new Error(`${describeCause(error)}; could not remove ${temp}`);
  }
  throw error;
}

/** Renames a complete temporary entry over `path`, so the final path only ever holds a whole old or new entry. */
export function moveIntoPlace(dirs: TreeDirs, path: string, temp: string, replacing: Replacing): void {
  const to = dirs.at(path);
  try {
    // rename cannot replace a directory with a file: the emptied directory goes first; one the
    // excludes hid goes with what it holds (rmSync does not follow symlinks).
    if (replacing !== 'nothing' && lstatSync(to, { throwIfNoEntry: false })?.isDirectory()) {
      if (replacing === 'excluded') rmSync(to, { recursive: true });
      else rmdirSync(to);
    }
    renameSync(temp, to);
  } catch (error) {
    discard(temp, error);
  }
}

/** Copies `from` to `temp`; returns the source's mtime in nanoseconds, checked to be what the scan saw. */
function copyChecked(from: string, job: Extract<CopyJob, { kind: 'file' }>, temp: string): bigint {
  try {
    // EXCL: never write through whatever might already sit at the temporary name.
    copyFileSync(from, temp, constants.COPYFILE_EXCL);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT' && !lstatSync(from, { throwIfNoEntry: false })) {
      throw new SourceChanged('vanished before it could be copied');
    }
    throw error;
  }
  // The copy is only good if the source held still while it was read (and is still a file, not a symlink).
  const after = lstatSync(from, { bigint: true, throwIfNoEntry: false });
  if (!after) throw new SourceChanged('vanished while it was copied');
  if (!after.isFile() || after.size !== BigInt(job.size) || msOfNs(after.mtimeNs) !== job.mtimeMs) {
    throw new SourceChanged('changed while it was copied');
  }
  return after.mtimeNs;
}
