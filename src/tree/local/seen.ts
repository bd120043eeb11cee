import { closeSync, openSync } from 'node:fs';
import { fsPath } from '../names.js';
import { nameOf, parentOf } from '../order.js';
import { inDir, O_DIR } from './dirs.js';

/** How many deep directories' descriptors a walk keeps open for their children. */
const KEEP_DEEP = 32;

/**
 * What a walk remembers between directories: which directory each pending path was when its
 * parent was listed (listing it checks it is still that one), and, deep down, the descriptors
 * of the directories listed last, so that a child is opened from its parent and not by a path
 * that costs the kernel a lookup per level.
 */
export class Seen {
  readonly #identity = new Map<string, { readonly dev: number; readonly ino: number }>();
  readonly #deep = new Map<string, number>();
  /** With `oneFileSystem`: the device of the root, and the directories on another one (mount points). */
  #rootDev: number | undefined;
  readonly #mounts = new Set<string>();

  constructor(readonly oneFileSystem = false) {}

  set(dir: string, stat: { readonly dev: number; readonly ino: number }): void {
    if (dir === '') this.#rootDev = stat.dev;
    if (this.oneFileSystem && dir !== '' && stat.dev !== this.#rootDev) this.#mounts.add(dir);
    else this.#identity.set(dir, { dev: stat.dev, ino: stat.ino });
  }

  /** A mount point under `--one-file-system`: listed as an empty directory, never entered. */
  isMount(dir: string): boolean {
    return this.#mounts.delete(dir);
  }

  /** What `dir` was when it was seen; forgotten once asked for. */
  take(dir: string): { readonly dev: number; readonly ino: number } | undefined {
    const identity = this.#identity.get(dir);
    this.#identity.delete(dir);
    return identity;
  }

  forget(dir: string): void {
    this.#identity.delete(dir);
  }

  /** Opens `dir` (never through a symlink): from its parent's descriptor when that is kept, else by path. */
  open(dir: string, abs: string): number {
    const parent = parentOf(dir);
    const parentFd = parent === undefined ? undefined : this.#deep.get(parent);
    return openSync(parentFd === undefined ? fsPath(abs) : inDir(parentFd, nameOf(dir)), O_DIR);
  }

  /** Keeps a deep directory's descriptor for its children (the last few only); true when it was kept. */
  keep(dir: string, fd: number): true {
    this.#deep.set(dir, fd);
    if (this.#deep.size > KEEP_DEEP) {
      const [oldest, oldFd] = this.#deep.entries().next().value as [string, number];
      this.#deep.delete(oldest);
      closeSync(oldFd);
    }
    return true;
  }

  close(): void {
    for (const fd of this.#deep.values()) closeSync(fd);
    this.#deep.clear();
  }
}
