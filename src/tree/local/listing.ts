import type { Entry } from '../tree.js';
import { KIND } from './column-entries.js';
import { GID, MODE, MTIME, SIZE, UID } from './lstat.js';

/**
 * One directory's children as a walk lists them, in columns: each child's numbers in typed
 * arrays and its name, so that listing a directory makes no object per entry (a `Stats`, an
 * `Entry` and a path per child cost a first walk more than its lstat calls). The root's
 * listing starts with the root's own entry, named `''`. Reused from directory to directory.
 */
export class Listing {
  dir = '';
  readonly names: string[] = [];
  /** The children that are directories, by path, in listing order. */
  readonly dirs: string[] = [];
  kinds = new Uint8Array(0);
  sizes = new Float64Array(0);
  mtimes = new Float64Array(0);
  modes = new Uint16Array(0);
  uids = new Uint32Array(0);
  gids = new Uint32Array(0);
  /** By index: symlinks' targets, and the `dev:ino` keys of files with other names. */
  readonly targets = new Map<number, string>();
  readonly links = new Map<number, string>();

  /** Empties it for `dir`, with room for `capacity` entries. */
  reset(dir: string, capacity: number): this {
    this.dir = dir;
    this.names.length = 0;
    this.dirs.length = 0;
    this.targets.clear();
    this.links.clear();
    if (capacity > this.kinds.length) {
      const size = Math.max(capacity, 2 * this.kinds.length);
      this.kinds = new Uint8Array(size);
      this.sizes = new Float64Array(size);
      this.mtimes = new Float64Array(size);
      this.modes = new Uint16Array(size);
      this.uids = new Uint32Array(size);
      this.gids = new Uint32Array(size);
    }
    return this;
  }

  get count(): number {
    return this.names.length;
  }

  /** The path of a child named `name`. */
  pathOf(name: string): string {
    return this.dir === '' ? name : `${this.dir}/${name}`;
  }

  /** Adds a child from `lstatNumbers` and its `kindCode`; a directory's path joins `dirs`. Returns its index. */
  add(name: string, numbers: Float64Array, kind: number): number {
    const at = this.names.length;
    const mode = numbers[MODE] as number;
    this.names.push(name);
    this.kinds[at] = kind;
    this.sizes[at] = kind === KIND.file ? (numbers[SIZE] as number) : 0;
    this.mtimes[at] = numbers[MTIME] as number;
    this.modes[at] = mode & 0o7777;
    this.uids[at] = numbers[UID] as number;
    this.gids[at] = numbers[GID] as number;
    if (kind === KIND.dir) this.dirs.push(this.pathOf(name));
    return at;
  }

  /** Adds an entry already made (the root's own, or one on a way down to a subtree). */
  addEntry(name: string, entry: Entry): void {
    const at = this.names.length;
    this.names.push(name);
    this.kinds[at] = KIND[entry.kind];
    this.sizes[at] = entry.size;
    this.mtimes[at] = entry.mtimeMs;
    this.modes[at] = entry.mode;
    this.uids[at] = entry.uid;
    this.gids[at] = entry.gid;
    if (entry.target !== undefined) this.targets.set(at, entry.target);
    if (entry.link !== undefined) this.links.set(at, entry.link);
    if (entry.kind === 'dir' && name !== '') this.dirs.push(entry.path);
  }

  /** The children's paths, NUL-separated, as one flat string. */
  joinedPaths(): string {
    if (this.dir === '' || this.names.length === 0) return this.names.join('\0');
    const prefix = `${this.dir}/`;
    // Joined, not concatenated: `+` makes a rope that, once read, keeps a flat copy besides.
    return [prefix, this.names.join(`\0${prefix}`)].join('');
  }
}
