import { closeSync, fstatSync, lstatSync, readdirSync } from 'node:fs';
import { errnoCode, type Failure, failureOf } from '../../errors.js';
import type { Exclude } from '../filter.js';
import { encodeName, fsPath, hasRawBytes } from '../names.js';
import type { Entry } from '../tree.js';
import { KIND } from './column-entries.js';
import { insideDir } from './cwd.js';
import { fdPath, readLink, readRawNames } from './dirs.js';
import { Listing } from './listing.js';
import { DEV, INO, kindCode, type Lstat, lstatNumbers, lstatOf, MODE, NLINK } from './lstat.js';
import type { Seen } from './seen.js';

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
  // Only names of a file with other names cost anything more.
  if (kind === 'file' && stat.nlink > 1) return { ...entry, link: linkKey(stat.dev, abs) };
  return entry;
}

/** What all names of a hard-linked file share: its device and inode (an inode number beyond 2^53 is not exact as a number). */
const linkKey = (dev: number, abs: string | Buffer): string => `${dev}:${lstatSync(abs, { bigint: true }).ino}`;

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
 * Fills `into` with one directory's children in name order (the order of `comparePaths`),
 * each lstat'ed, never followed; the root's listing starts with `top`, the root itself. What
 * cannot be read goes to `failures`; excluded children are left out.
 * Synchronous on purpose: a tight readdir + lstat loop is several times faster and leaner
 * than a fan-out of promises.
 *
 * The names come from the directory itself, opened without following a symlink and checked
 * to be the one its parent's listing saw (device and inode): a directory swapped for a
 * symlink is never listed. Where the working directory is lent (see cwd.ts), the children are
 * lstat'ed by name from inside that directory; otherwise by path, which is faster than through
 * the descriptor, and the directory is checked again afterwards, so a swap that lasts is caught.
 * Contents are only ever read through descriptors (copy and hash open files safely).
 */
export function list(
  root: string,
  dir: string,
  exclude: Exclude | undefined,
  failures: Failure[],
  seen: Seen,
  into: Listing,
  top?: Entry,
): Listing {
  const begin = (capacity: number): Listing => {
    into.reset(dir, capacity);
    if (top !== undefined) into.addEntry('', top);
    return into;
  };
  begin(1);
  const abs = dir === '' ? root : `${root}/${dir}`;
  if (seen.isMount(dir)) return into;
  const expected = seen.take(dir);
  let fd: number | undefined;
  let kept = false;
  let inside = false;
  // Deep down, a path costs the kernel a lookup per level: children are reached through the
  // descriptor instead, which keeps a deep walk linear (and is slower only on short paths).
  const byPath = abs.length <= DEEP;
  try {
    fd = seen.open(dir, abs);
    const opened = fstatSync(fd);
    if (expected !== undefined && (opened.dev !== expected.dev || opened.ino !== expected.ino)) {
      failures.push(swapped(dir));
      return into;
    }
    // A name that is not UTF-8 reads as one with U+FFFD, which then cannot be found: only such a
    // directory is listed again, as bytes, so the usual case pays nothing for it.
    const listAll = (from: string, base: string): void => {
      const listed = (names: string[], raw: boolean): boolean => {
        const found: Failure[] = [];
        begin(names.length + 1);
        if (!listChildren(names.sort(), base, raw, into, exclude, found, seen)) return false;
        // One by one: spreading more than about 120,000 failures as arguments overflows the stack.
        for (const failure of found) failures.push(failure);
        return true;
      };
      if (!listed(readdirSync(from), false)) listed(readRawNames(from), true);
    };
    // From inside the directory it opened, nothing needs checking afterwards.
    inside = insideDir(fd, () => listAll('.', ''));
    if (!inside) listAll(fdPath(fd), byPath ? abs : fdPath(fd));
    kept = !byPath && seen.keep(dir, fd);
  } catch (error) {
    const code = errnoCode(error);
    failures.push(code === 'ELOOP' || code === 'ENOTDIR' ? swapped(dir) : failureOf(dir, error));
    return begin(1);
  } finally {
    if (fd !== undefined && !kept) closeSync(fd);
  }
  const after = byPath && !inside ? lstatOf(fsPath(abs)) : undefined;
  if (byPath && !inside && expected !== undefined && (after?.dev !== expected.dev || after?.ino !== expected.ino)) {
    for (const child of into.dirs) seen.forget(child);
    failures.push(swapped(dir));
    return begin(1);
  }
  return into;
}

/** False when a name was not found and may be one that is not UTF-8 (see `list`). */
function listChildren(
  names: readonly string[],
  /** What names are joined to; '' for names relative to the working directory. */
  base: string,
  /** Some names are not UTF-8: those go to lstat as bytes. */
  raw: boolean,
  into: Listing,
  exclude: Exclude | undefined,
  failures: Failure[],
  seen: Seen,
): boolean {
  const rawBase = hasRawBytes(base);
  // Indexed, with each number read once: a first walk runs this before V8 optimizes it, where
  // an iterator and each call cost.
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    const joined = base === '' ? name : `${base}/${name}`;
    const childAbs = rawBase || (raw && hasRawBytes(name)) ? encodeName(joined) : joined;
    try {
      // Undefined means it vanished since readdir: absent, not an error.
      const numbers = lstatNumbers(childAbs);
      if (numbers === undefined) {
        if (!raw && name.includes('\uFFFD')) return false;
        continue;
      }
      const kind = kindCode(numbers[MODE] as number);
      if (exclude?.(into.pathOf(name), kind === KIND.dir)) continue;
      const dev = numbers[DEV] as number;
      const ino = numbers[INO] as number;
      // Read before the entry is added: if this fails the entry is reported unreadable, not half-recorded.
      const target = kind === KIND.symlink ? readLink(childAbs) : undefined;
      const link = kind === KIND.file && (numbers[NLINK] as number) > 1 ? linkKey(dev, childAbs) : undefined;
      const at = into.add(name, numbers, kind);
      if (target !== undefined) into.targets.set(at, target);
      if (link !== undefined) into.links.set(at, link);
      if (kind === KIND.dir) seen.set(into.pathOf(name), { dev, ino });
    } catch (error) {
      failures.push(failureOf(into.pathOf(name), error));
    }
  }
  return true;
}

/** The listing of a root that is not a directory: the root alone. */
export const onlyRoot = (top: Entry): Listing => {
  const listing = new Listing().reset('', 1);
  listing.addEntry('', top);
  return listing;
};
