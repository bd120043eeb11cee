import { failureOf } from '../../errors.js';
import { compileExcludes } from '../filter.js';
import { comparePaths, parentOf } from '../order.js';
import type { ApplyOptions, Entry, Features, Op, OpResult, Snapshot, Tree } from '../tree.js';

interface Node {
  entry: Entry;
  content?: Uint8Array;
}

const fsError = (code: string, message: string): Error => Object.assign(new Error(`${code}: ${message}`), { code });

/**
 * A tree held in memory: every sync rule can be tested without a disk, and a new backend
 * inherits the same suite. Like a local disk, a directory's mtime moves when an entry is
 * added to it or removed from it, and a directory must be empty to be removed.
 */
export class MemoryTree implements Tree {
  readonly features: Features = { symlinks: true, hardLinks: false, ownership: false, mtimePrecisionNs: 1 };
  readonly #nodes = new Map<string, Node>();

  constructor(
    readonly root = 'memory:',
    /** The clock that stamps directories a write disturbs. */
    readonly now: () => number = Date.now,
  ) {}

  /** Sets a path directly (its parents must exist), as a user editing the tree would. */
  set(entry: Entry, content?: Uint8Array): void {
    const parent = parentOf(entry.path);
    if (parent !== undefined && this.#nodes.get(parent)?.entry.kind !== 'dir')
      throw new Error(`no directory ${parent}`);
    this.#nodes.set(entry.path, { entry: { ...entry, size: content?.length ?? entry.size }, content });
  }

  delete(path: string): void {
    for (const key of [...this.#nodes.keys()]) if (key === path || key.startsWith(`${path}/`)) this.#nodes.delete(key);
  }

  get(path: string): { entry: Entry; content?: Uint8Array } | undefined {
    return this.#nodes.get(path);
  }

  async scan(exclude: readonly string[]): Promise<Snapshot> {
    const excluded = compileExcludes(exclude);
    const entries = [...this.#nodes.values()].map((n) => n.entry).sort((a, b) => comparePaths(a.path, b.path));
    const out: Entry[] = [];
    let skipBelow: string | undefined;
    for (const entry of entries) {
      if (skipBelow !== undefined && entry.path.startsWith(skipBelow)) continue;
      skipBelow = undefined;
      if (entry.path !== '' && excluded?.(entry.path, entry.kind === 'dir')) {
        skipBelow = `${entry.path}/`;
        continue;
      }
      out.push(entry);
    }
    return { root: this.root, entries: out, unreadable: [] };
  }

  async *read(path: string): AsyncIterable<Uint8Array> {
    const node = this.#nodes.get(path);
    if (node?.entry.kind !== 'file') throw fsError('ENOENT', `no such file, open '${path}'`);
    yield node.content ?? new Uint8Array();
  }

  async apply(ops: readonly Op[], options: ApplyOptions): Promise<void> {
    for (const [i, op] of ops.entries()) {
      if (Atomics.load(options.stop, 0) === 1) {
        options.onResult(i, { ok: 'skipped' });
        continue;
      }
      options.onResult(i, await this.#run(op, options.from));
    }
  }

  async #run(op: Op, from: Tree): Promise<OpResult> {
    try {
      if (op.op === 'meta') {
        const node = this.#nodes.get(op.path);
        if (!node) throw fsError('ENOENT', `no such entry '${op.path}'`);
        const mode = op.kind === 'symlink' ? node.entry.mode : op.mode;
        node.entry = { ...node.entry, mode, mtimeMs: op.mtimeMs, ...op.owner };
      } else if (op.op === 'rename') {
        const node = this.#nodes.get(op.path);
        if (!node || this.#nodes.has(op.to)) throw fsError('EEXIST', `cannot rename '${op.path}' to '${op.to}'`);
        this.#removeOne(op.path);
        this.#add({ ...node.entry, path: op.to }, node.content);
      } else if (op.op === 'link') {
        throw fsError('ENOTSUP', 'a memory tree keeps no hard links');
      } else if (op.op === 'remove') {
        if (!this.#nodes.has(op.path)) return { ok: true };
        this.#removeOne(op.path);
      } else {
        const existing = this.#nodes.get(op.path);
        const clears = op.op === 'mkdir' ? op.replacing : op.replacing !== 'nothing';
        if (existing && op.op !== 'mkdir' && op.replacing === 'excluded') this.delete(op.path);
        else if (existing && clears) this.#removeOne(op.path);
        else if (existing && op.op !== 'put' && op.op !== 'symlink') throw fsError('EEXIST', `'${op.path}' exists`);
        else if (existing?.entry.kind === 'dir') throw fsError('EISDIR', `'${op.path}' is a directory`);
        const now = this.now();
        if (op.op === 'mkdir')
          this.#add({ path: op.path, kind: 'dir', size: 0, mtimeMs: now, mode: 0o700, uid: 0, gid: 0 });
        else if (op.op === 'symlink') this.#add({ ...op.entry, path: op.path, ...op.owner });
        else {
          const chunks: Uint8Array[] = [];
          for await (const chunk of from.read(op.path)) chunks.push(chunk);
          this.#add({ ...op.entry, path: op.path, mode: op.mode, ...op.owner }, Buffer.concat(chunks));
        }
      }
      return { ok: true };
    } catch (error) {
      return { ok: false, failure: failureOf(op.path, error) };
    }
  }

  #add(entry: Entry, content?: Uint8Array): void {
    const parent = parentOf(entry.path);
    const dir = parent === undefined ? undefined : this.#nodes.get(parent);
    if (parent !== undefined && dir?.entry.kind !== 'dir') throw fsError('ENOENT', `no directory '${parent}'`);
    this.set(entry, content);
    this.#touch(dir);
  }

  #removeOne(path: string): void {
    const node = this.#nodes.get(path);
    if (
      node?.entry.kind === 'dir' &&
      [...this.#nodes.keys()].some((k) => k.startsWith(`${path === '' ? '' : `${path}/`}`) && k !== path)
    ) {
      throw fsError('ENOTEMPTY', `directory not empty '${path}'`);
    }
    this.#nodes.delete(path);
    const parent = parentOf(path);
    this.#touch(parent === undefined ? undefined : this.#nodes.get(parent));
  }

  #touch(dir: Node | undefined): void {
    if (dir) dir.entry = { ...dir.entry, mtimeMs: this.now() };
  }
}
