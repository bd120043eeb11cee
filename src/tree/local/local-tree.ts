import { closeSync, createReadStream, openSync, writeSync } from 'node:fs';
import { classify, failureOf } from '../../errors.js';
import { compileExcludes } from '../filter.js';
import { utimeOfMs } from '../mtime.js';
import { fsPath } from '../names.js';
import { parentOf } from '../order.js';
import {
  type ApplyOptions,
  type CompareOptions,
  type Comparison,
  type Entry,
  type Features,
  isStopped,
  type Op,
  type OpResult,
  type Snapshot,
  type StopFlag,
  type Tree,
} from '../tree.js';
import { Backup } from './backup.js';
import { resultOf } from './changed.js';
import { ColumnSink } from './columns.js';
import { setFileMeta } from './copy-file.js';
import { DirChain } from './dirs.js';
import type { WorkerPool } from './pool.js';
import { compareContents } from './ranges.js';
import { backShare, newShare } from './split-walk.js';
import { scanSubtrees } from './subtrees.js';
import { transfer } from './transfer.js';
import { drainYielding, walkBack, walkFront } from './walk.js';
import {
  discard,
  linkInto,
  makeDir,
  moveIntoPlace,
  mtimeToSet,
  removeEntry,
  renameFree,
  stampDir,
  tempBeside,
  unlockDir,
} from './write.js';

/** Ops a pool thread runs in batches; the rest run in order on the coordinator. */
const pooled = (op: Op): boolean => op.op === 'put' || op.op === 'symlink' || (op.op === 'meta' && op.kind !== 'dir');

/** A directory on this machine, walked and written through the run's worker pool. */
export class LocalTree implements Tree {
  readonly features: Features = {
    symlinks: true,
    hardLinks: true,
    // Only root may give files away.
    ownership: process.geteuid?.() === 0,
    mtimePrecisionNs: 1000,
  };

  constructor(
    readonly root: string,
    readonly pool: WorkerPool,
    /** Walks stay on the root's filesystem: mount points are empty directories (`--one-file-system`). */
    readonly oneFileSystem = false,
  ) {}

  sameKind(other: Tree): other is LocalTree {
    return other instanceof LocalTree && other.pool === this.pool;
  }

  async scan(exclude: readonly string[], stop?: StopFlag): Promise<Snapshot> {
    const sink = new ColumnSink();
    await drainYielding(walkFront(this.root, compileExcludes(exclude), sink, undefined, stop, this.oneFileSystem));
    return sink.snapshot(this.root);
  }

  async scanPaths(roots: readonly string[], exclude: readonly string[], stop?: StopFlag): Promise<Snapshot> {
    return scanSubtrees(this.root, roots, compileExcludes(exclude), this.oneFileSystem, stop);
  }

  /**
   * Scans both trees at once: this one right here (so most of its snapshot never has to cross
   * threads), the other on a pool thread. Whichever finishes first helps with the other tree
   * from its far end (see split-walk.ts), so neither core idles while the other still walks;
   * on a small tree the coordinator lists the whole other tree itself before a pool thread
   * has booted, and with a pool not started yet, without one.
   */
  async scanWith(
    other: LocalTree,
    excludes: { mine: readonly string[]; other: readonly string[] },
    stop?: StopFlag,
  ): Promise<[Snapshot, Snapshot]> {
    // A pool made on demand (for small trees) that has not started a thread: both walked here, sooner than one could boot.
    if (!this.pool.started) return [await this.scan(excludes.mine, stop), await other.scan(excludes.other, stop)];
    const shares = { mine: newShare(), other: newShare() };
    const found = this.pool.scan({
      walk: {
        root: other.root,
        exclude: excludes.other,
        share: shares.other,
        stop,
        oneFileSystem: other.oneFileSystem,
      },
      help: { root: this.root, exclude: excludes.mine, share: shares.mine, stop, oneFileSystem: this.oneFileSystem },
    });
    const mine = new ColumnSink();
    const theirs = new ColumnSink();
    await drainYielding(
      walkFront(this.root, compileExcludes(excludes.mine), mine, shares.mine, stop, this.oneFileSystem),
    );
    await drainYielding(
      walkBack(other.root, compileExcludes(excludes.other), theirs, shares.other, stop, other.oneFileSystem),
    );
    // Both answers are final by now: this walk is closed or has met its helper, and a back that
    // claimed the root leaves nothing to the front. A stopped walk's snapshots are partial anyway.
    if (!isStopped(stop) && (backShare(shares.mine) !== 'none' || backShare(shares.other) !== 'all')) {
      const listed = await found;
      mine.decode(listed.help);
      theirs.decode(listed.walk);
    } else this.pool.forget(found);
    return [mine.snapshot(this.root), theirs.snapshot(other.root)];
  }

  comparePairs(other: LocalTree, pairs: readonly Entry[], options: CompareOptions): Promise<Comparison> {
    return compareContents(this.pool, this.root, other.root, pairs, options);
  }

  read(path: string): AsyncIterable<Uint8Array> {
    return createReadStream(fsPath(`${this.root}/${path}`));
  }

  async apply(ops: readonly Op[], options: ApplyOptions): Promise<void> {
    const dirs = new DirChain(this.root, options.backup === undefined ? undefined : new Backup(options.backup));
    const source = options.from instanceof LocalTree ? new DirChain(options.from.root) : undefined;
    try {
      await this.#applyWith(dirs, source, ops, options);
    } finally {
      dirs.close();
      source?.close();
    }
  }

  async #applyWith(
    dirs: DirChain,
    source: DirChain | undefined,
    ops: readonly Op[],
    options: ApplyOptions,
  ): Promise<void> {
    let fatal = false;
    const halted = (): boolean => fatal || isStopped(options.stop);
    const report = (index: number, result: OpResult): void => {
      if (result.ok === false && classify(result.failure.code) === 'fatal') fatal = true;
      options.onResult(index, result);
    };
    this.#unlockParents(dirs, ops);
    for (let i = 0; i < ops.length; ) {
      let end = i;
      while (end < ops.length && pooled(ops[end] as Op)) end++;
      if (end > i) {
        const run = ops.slice(i, end);
        if (options.from instanceof LocalTree) {
          const control = { stop: options.stop, halted, backup: options.backup };
          await transfer(this.pool, options.from.root, this.root, run, control, (j, r) => report(i + j, r));
        } else for (const [j, op] of run.entries()) report(i + j, await this.#putFrom(options.from, dirs, op, halted));
        i = end;
        continue;
      }
      report(i, halted() ? { ok: 'skipped' } : this.#runHere(dirs, ops[i] as Op, source));
      i++;
    }
  }

  /**
   * Directories that gain or lose an entry are made writable first (see `unlockDir`), except
   * those this batch creates (owner-writable from the start); failing that, the write says why.
   */
  #unlockParents(dirs: DirChain, ops: readonly Op[]): void {
    const created = new Set(ops.flatMap((op) => (op.op === 'mkdir' ? [op.path] : [])));
    const parents = new Set<string>();
    for (const op of ops) if (op.op !== 'meta') parents.add(parentOf(op.path) ?? '');
    for (const parent of parents) {
      if (created.has(parent)) continue;
      try {
        unlockDir(dirs, parent);
      } catch {
        // Not fatal here: the write into it fails and says why.
      }
    }
  }

  #runHere(dirs: DirChain, op: Op, source: DirChain | undefined): OpResult {
    try {
      let backedUp = false;
      if (op.op === 'remove') backedUp = removeEntry(dirs, op.path, op.kind, op.expect) && op.kind !== 'dir';
      else if (op.op === 'mkdir') makeDir(dirs, op.path, op.replacing, op.expect);
      else if (op.op === 'rename') renameFree(dirs, op.path, op.to, op.expect);
      else if (op.op === 'link') backedUp = linkInto(dirs, op.path, op.target, op.replacing);
      else if (op.op === 'meta') stampDir(dirs, op.path, op.mode, mtimeToSet(source, op.path, op.mtimeMs), op.owner);
      else throw new Error(`${op.op} runs on the pool`);
      return backedUp ? { ok: true, backedUp: true } : { ok: true };
    } catch (error) {
      return resultOf(op.path, error);
    }
  }

  /** The generic write path, for content from a tree of another kind: streamed into a temporary file. */
  async #putFrom(from: Tree, dirs: DirChain, op: Op, halted: () => boolean): Promise<OpResult> {
    if (halted()) return { ok: 'skipped' };
    if (op.op !== 'put') return { ok: false, failure: failureOf(op.path, new Error(`${op.op} needs a local source`)) };
    try {
      const temp = tempBeside(dirs, op.path);
      try {
        const fd = openSync(temp, 'wx', 0o600);
        try {
          for await (const chunk of from.read(op.path)) writeSync(fd, chunk);
        } finally {
          closeSync(fd);
        }
        setFileMeta(temp, op.mode, utimeOfMs(op.entry.mtimeMs), op.owner);
      } catch (error) {
        discard(temp, error);
      }
      return moveIntoPlace(dirs, op.path, temp, op.replacing, op.expect) ? { ok: true, backedUp: true } : { ok: true };
    } catch (error) {
      return resultOf(op.path, error);
    }
  }
}
