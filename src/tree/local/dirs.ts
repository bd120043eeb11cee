import { closeSync, constants, lstatSync, openSync, readdirSync, readlinkSync } from 'node:fs';
import { errnoCode } from '../../errors.js';
import { decodeName, type FsPath, fsPath } from '../names.js';
import { nameOf, parentOf } from '../order.js';
import type { Backup } from './backup.js';

/** A directory opened for what it is now, never through a symlink. */
export const O_DIR = constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW;

/** The path of what is open as `fd`: Linux resolves it to that very file or directory, not by walking a path again. */
export const fdPath = (fd: number): string => `/proc/self/fd/${fd}`;

/** The path of `name` in the directory open as `fd`, resolved from that directory (as bytes for a raw name). */
export const inDir = (fd: number, name: string): string | Buffer => fsPath(`/proc/self/fd/${fd}/${name}`);

/** A write or read that would have gone through a symlink (or into what is no longer a directory), out of its tree. */
export class SymlinkEscape extends Error {
  constructor(dir: string, why: string) {
    super(`${dir} ${why}: nothing is written or deleted there`);
  }
}

/**
 * The directories of one tree, each opened one component at a time from the root, relative to
 * its already open parent and without following symlinks: Node has no `openat`, but a path
 * through `/proc/self/fd/<parent>/` is resolved from that descriptor. So a directory swapped
 * for a symlink at any moment is refused, never followed, and every path handed out (`at`)
 * lands inside the tree. Descriptors are kept for the most recently used directories (ops
 * come in path order, so parents stay open while their children are worked on).
 *
 * What remains: the root itself is opened by its path, which the CLI resolved to its real
 * path (no symlink in it) before the run; whoever can swap an ancestor of the root can move
 * the whole tree.
 */
export class DirChain {
  readonly #fds = new Map<string, number>();

  constructor(
    readonly root: string,
    /** Where this cycle keeps what it deletes or overwrites in this tree, if anywhere. */
    readonly backup?: Backup,
    readonly keep = 64,
  ) {}

  /** The descriptor of directory `rel` ('' is the root). */
  fd(rel: string): number {
    const open = this.#fds.get(rel);
    if (open !== undefined) {
      this.#fds.delete(rel);
      this.#fds.set(rel, open);
      return open;
    }
    const parent = parentOf(rel);
    const fd = parent === undefined ? openSync(this.root, O_DIR) : this.#openChild(this.fd(parent), rel);
    this.#fds.set(rel, fd);
    if (this.#fds.size > this.keep) {
      const [oldest, oldFd] = this.#fds.entries().next().value as [string, number];
      this.#fds.delete(oldest);
      closeSync(oldFd);
    }
    return fd;
  }

  /** Where `rel` is, as a path resolved from its open parent directory (the root is its own path). */
  at(rel: string): string | Buffer {
    return rel === '' ? this.root : inDir(this.fd(parentOf(rel) as string), nameOf(rel));
  }

  close(): void {
    for (const fd of this.#fds.values()) closeSync(fd);
    this.#fds.clear();
  }

  #openChild(parentFd: number, rel: string): number {
    const path = inDir(parentFd, nameOf(rel));
    try {
      return openSync(path, O_DIR);
    } catch (error) {
      const code = errnoCode(error);
      if (code !== 'ELOOP' && code !== 'ENOTDIR') throw error;
      const shown = `${this.root}/${rel}`;
      const stat = lstatSync(path, { throwIfNoEntry: false });
      if (stat?.isSymbolicLink()) throw new SymlinkEscape(shown, `leads through a symlink to ${readLink(path)}`);
      throw new SymlinkEscape(shown, 'is no longer a directory');
    }
  }
}

/** A symlink's target exactly as the filesystem holds it (see names.ts). */
export function readLink(path: string | Buffer): string {
  const target = readlinkSync(path);
  return target.includes('\uFFFD') ? decodeName(readlinkSync(path, { encoding: 'buffer' })) : target;
}

/** A directory's names exactly as the filesystem holds them (see names.ts): for a directory with a name that is not UTF-8. */
export const readRawNames = (path: string): string[] => readdirSync(path, { encoding: 'buffer' }).map(decodeName);

/** Runs `fn` on `path` opened without following a symlink, so a mode or time lands on that entry and no other. */
export function onEntry<T>(path: FsPath, flags: number, fn: (fd: number) => T): T {
  let fd: number;
  try {
    fd = openSync(path, flags | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = errnoCode(error);
    if (flags === O_DIR && (code === 'ELOOP' || code === 'ENOTDIR')) throw new Error('it is no longer a directory');
    throw error;
  }
  try {
    return fn(fd);
  } finally {
    closeSync(fd);
  }
}
