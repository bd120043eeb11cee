import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fchownSync,
  fstatSync,
  futimesSync,
  lchownSync,
  lstatSync,
  openSync,
  readSync,
  utimesSync,
  writeSync,
} from 'node:fs';
import { errnoCode } from '../../errors.js';
import { msOfNs, utimeOfNs } from '../mtime.js';
import type { FsPath } from '../names.js';
import type { Owner } from '../tree.js';
import { SourceChanged } from './changed.js';
import { type DirChain, fdPath, onEntry } from './dirs.js';
import { copySparse, isSparse } from './sparse.js';
import type { CopyJob } from './tasks.js';

/** Gives the entry open as `fd` its owner, mode and mtime. */
export function stampOpen(fd: number, mode: number, mtime: string, owner: Owner): void {
  // Owner first: chown clears setuid and setgid bits, chmod then sets them.
  if (owner) fchownSync(fd, owner.uid, owner.gid);
  fchmodSync(fd, mode);
  futimesSync(fd, mtime, mtime);
}

/** Sets a file's mode and mtime through a descriptor: never through a symlink swapped in at its name. */
export function setFileMeta(at: FsPath, mode: number, mtime: string, owner: Owner): void {
  try {
    onEntry(at, constants.O_RDONLY, (fd) => {
      if (!fstatSync(fd).isFile()) throw new Error('it is no longer a regular file');
      stampOpen(fd, mode, mtime, owner);
    });
  } catch (error) {
    // A file its owner may not read (mode 0): by name, once lstat says it is still a file.
    if (errnoCode(error) !== 'EACCES' || !lstatSync(at).isFile()) throw error;
    if (owner) lchownSync(at, owner.uid, owner.gid);
    chmodSync(at, mode);
    utimesSync(at, mtime, mtime);
  }
}

/** Files up to this size are copied with one read and one write, on the temporary file's own descriptor. */
const SMALL = 256 * 1024;
let buffer: Buffer | undefined;
/** The replica's side of a comparison (`unlessSame`), a block at a time. */
let theirs: Buffer | undefined;

/** What a copy did: wrote the temporary file, or found the same bytes at the replica's path and set only its metadata. */
export type Copied = 'copied' | 'same';

/**
 * Copies the source file at `job.path` to `temp` with the job's owner, mode and the source's
 * mtime to the nanosecond, read through a descriptor opened without following a symlink and
 * without blocking (a FIFO swapped in never hangs the run), and only when it is a regular
 * file whose size and mtime are still what the scan saw once it has been read.
 *
 * A small file is read into memory and written to a temporary file this opens itself (it
 * exists only for this copy), then given its metadata through that same descriptor: six
 * system calls fewer than the in-kernel copy, which opens the source again by its path and
 * leaves the temporary file to be reopened for its metadata. Larger files are copied in the
 * kernel.
 *
 * With `replica` (an `unlessSame` job: the file at the replica's path, open), that file is
 * compared first, block by block, the first difference ending it: holding the source's bytes,
 * it gets only the job's metadata and no temporary file is made.
 */
export function copyChecked(
  source: DirChain,
  job: Extract<CopyJob, { kind: 'file' }>,
  temp: FsPath,
  replica?: number,
): Copied {
  let from: FsPath;
  try {
    from = source.at(job.path);
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') throw new SourceChanged('vanished before it could be copied');
    throw error;
  }
  return openSource(from, (fd) => {
    const before = fstatSync(fd, { bigint: true });
    if (!before.isFile()) throw new SourceChanged('is no longer a regular file (a FIFO, device or symlink now)');
    const sparse = isSparse(before.size, before.blocks);
    if (!sparse && job.size <= SMALL) {
      buffer ??= Buffer.allocUnsafe(SMALL + 1);
      // One byte more than the scan saw: a file that grew is caught by its size.
      const read = readSync(fd, buffer, 0, job.size + 1, 0);
      const mine = buffer;
      if (
        replica !== undefined &&
        read === job.size &&
        stampIfSame(replica, fd, from, job, () => sameBytes(mine, replica, read))
      ) {
        return 'same';
      }
      // EXCL: never write through whatever might already sit at the temporary name.
      const out = openSync(
        temp,
        constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
        0o600,
      );
      try {
        for (let written = 0; written < read; ) written += writeSync(out, buffer, written, read - written, written);
        stampOpen(out, job.mode, utimeOfNs(heldStill(fd, from, job)), job.owner);
      } finally {
        closeSync(out);
      }
      return 'copied';
    }
    if (replica !== undefined && stampIfSame(replica, fd, from, job, () => sameFrom(fd, replica, job.size)))
      return 'same';
    if (sparse) copySparse(fd, temp, job.size);
    else copyFileSync(fdPath(fd), temp, constants.COPYFILE_EXCL);
    setFileMeta(temp, job.mode, utimeOfNs(heldStill(fd, from, job)), job.owner);
    return 'copied';
  });
}

/**
 * The file at `at`, opened to be compared (`unlessSame`) without following a symlink or waiting
 * on a FIFO; undefined when it is no regular file or cannot be opened (the copy then replaces it).
 */
export function openToCompare(at: FsPath): number | undefined {
  let r: number;
  try {
    r = openSync(at, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (fstatSync(r).isFile()) return r;
  } catch {}
  closeSync(r);
  return undefined;
}

/**
 * Whether `same` says the replica's file open as `r` holds the source's bytes; if so it is given
 * the job's owner, mode and the source's mtime, once the source is known to have held still.
 * What cannot be read counts as different.
 */
function stampIfSame(
  r: number,
  fd: number,
  from: FsPath,
  job: Extract<CopyJob, { kind: 'file' }>,
  same: () => boolean,
): boolean {
  let alike: boolean;
  try {
    alike = same();
  } catch {
    alike = false;
  }
  if (alike) stampOpen(r, job.mode, utimeOfNs(heldStill(fd, from, job)), job.owner);
  return alike;
}

/** Whether the file open as `r` holds the first `length` bytes of `mine`, and no more. */
function sameBytes(mine: Buffer, r: number, length: number): boolean {
  theirs ??= Buffer.allocUnsafe(SMALL + 1);
  return readSync(r, theirs, 0, length + 1, 0) === length && theirs.compare(mine, 0, length, 0, length) === 0;
}

/**
 * Whether the file open as `r` holds the `size` bytes of the one open as `fd`, and no more;
 * compared a block at a time, the first difference ending it.
 */
function sameFrom(fd: number, r: number, size: number): boolean {
  buffer ??= Buffer.allocUnsafe(SMALL + 1);
  theirs ??= Buffer.allocUnsafe(SMALL + 1);
  for (let at = 0; at < size; ) {
    const want = Math.min(SMALL, size - at);
    if (readSync(fd, buffer, 0, want, at) !== want || readSync(r, theirs, 0, want, at) !== want) return false;
    if (buffer.compare(theirs, 0, want, 0, want) !== 0) return false;
    at += want;
  }
  return readSync(r, theirs, 0, 1, size) === 0;
}

/**
 * Runs `copy` on the source file at `from`, opened without following a symlink or waiting on
 * a FIFO: a name gone or turned into a symlink since the scan is a changed source (a
 * warning, the next cycle sees it), not a failure.
 */
function openSource<T>(from: FsPath, copy: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(from, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT') throw new SourceChanged('vanished before it could be copied');
    if (code === 'ELOOP') throw new SourceChanged('is no longer a regular file (a FIFO, device or symlink now)');
    throw error;
  }
  try {
    return copy(fd);
  } finally {
    closeSync(fd);
  }
}

/** The source's mtime in nanoseconds, once it is known to have held still while it was read: the copy is only good then. */
function heldStill(fd: number, from: FsPath, job: Extract<CopyJob, { kind: 'file' }>): bigint {
  const after = fstatSync(fd, { bigint: true });
  if (after.size !== BigInt(job.size) || msOfNs(after.mtimeNs) !== job.mtimeMs) {
    throw new SourceChanged('changed while it was copied');
  }
  if (!lstatSync(from, { throwIfNoEntry: false })) throw new SourceChanged('vanished while it was copied');
  return after.mtimeNs;
}
