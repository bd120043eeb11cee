import { failureOf } from '../../errors.js';
import type { Exclude } from '../filter.js';
import { fsPath } from '../names.js';
import { comparePaths, nameOf, parentOf } from '../order.js';
import { type Entry, isStopped, type Snapshot, type StopFlag } from '../tree.js';
import { ColumnSink } from './columns.js';
import { entryOf, list, onlyRoot, rootEntry } from './list.js';
import { Listing } from './listing.js';
import { lstatOf } from './lstat.js';
import { Seen } from './seen.js';

/**
 * A snapshot of only some subtrees (none inside another, see watch/dirty.ts): each one walked
 * whole, and the directories on the way to it with only that child listed, so that a plan over
 * two such snapshots touches nothing else. A subtree that is gone is simply not in it; one
 * under an ancestor that is no longer a directory ends there.
 *
 * The way down is lstat'ed by path, each level checked to be a directory before the next; the
 * subtrees themselves are listed as a full walk lists them (through checked descriptors).
 */
export function scanSubtrees(
  root: string,
  roots: readonly string[],
  exclude: Exclude | undefined,
  oneFileSystem: boolean,
  stop?: StopFlag,
): Snapshot {
  const sink = new ColumnSink();
  const seen = new Seen(oneFileSystem);
  try {
    const top = rootEntry(root, seen);
    if (top?.kind !== 'dir') {
      if (top !== undefined) sink.take(onlyRoot(top));
      return sink.snapshot(root);
    }
    const ways = new Map<string, Map<string, Entry>>([['', new Map()]]);
    const deadEnds = new Set<string>();
    for (const sub of roots) {
      if (isStopped(stop)) break;
      const names = sub.split('/');
      for (let depth = 1; depth <= names.length; depth++) {
        const path = names.slice(0, depth).join('/');
        const parent = parentOf(path) ?? '';
        // Subtrees that share a way down lstat each step of it once.
        let entry = ways.get(parent)?.get(path);
        if (entry === undefined) {
          if (deadEnds.has(path)) break;
          try {
            const abs = `${root}/${path}`;
            const stat = lstatOf(fsPath(abs));
            if (stat === undefined || exclude?.(path, stat.kind === 'dir')) {
              deadEnds.add(path);
              break;
            }
            entry = entryOf(path, stat, fsPath(abs));
            if (stat.kind === 'dir') seen.set(path, stat);
          } catch (error) {
            // What cannot be seen is unknown, not absent: nothing below the parent is removed.
            sink.unreadable.push(failureOf(parent, error));
            deadEnds.add(path);
            break;
          }
          const way = ways.get(parent) ?? new Map<string, Entry>();
          ways.set(parent, way);
          way.set(path, entry);
        }
        if (entry.kind !== 'dir') break;
        if (depth === names.length) walkBelow(root, path, exclude, sink, seen, stop);
      }
    }
    const listing = new Listing();
    for (const [dir, children] of ways) {
      const entries = [...children.values()].sort((a, b) => comparePaths(a.path, b.path));
      listing.reset(dir, entries.length + 1);
      if (dir === '') listing.addEntry('', top);
      for (const entry of entries) listing.addEntry(nameOf(entry.path), entry);
      sink.take(listing);
    }
    return sink.snapshot(root);
  } finally {
    seen.close();
  }
}

/** Lists `start` (already seen) and everything below it, in walk order. */
function walkBelow(
  root: string,
  start: string,
  exclude: Exclude | undefined,
  sink: ColumnSink,
  seen: Seen,
  stop: StopFlag | undefined,
): void {
  const pending = [start];
  const listing = new Listing();
  for (let dir = pending.pop(); dir !== undefined && !isStopped(stop); dir = pending.pop()) {
    sink.take(list(root, dir, exclude, sink.unreadable, seen, listing));
    for (let i = listing.dirs.length - 1; i >= 0; i--) pending.push(listing.dirs[i] as string);
  }
}
