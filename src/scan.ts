import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { describeCause } from './errors.js';
import type { Entry, Kind, ScanFailure, Snapshot } from './types.js';

/**
 * Walks one tree without following symlinks. Synchronous on purpose: it runs inside a
 * pool worker, where a tight readdir + lstat loop is several times faster and leaner than
 * a fan-out of promises. A missing root gives an empty snapshot (a replica not created yet).
 */
export function scanTree(root: string): Snapshot {
  const entries = new Map<string, Entry>();
  const unreadable: ScanFailure[] = [];
  const rootStat = lstatSync(root, { bigint: true, throwIfNoEntry: false });
  if (rootStat) {
    entries.set('', toEntry('', rootStat, root));
    if (rootStat.isDirectory()) walk(root, '', entries, unreadable);
  }
  return { root, entries, unreadable };
}

function walk(abs: string, rel: string, entries: Map<string, Entry>, unreadable: ScanFailure[]): void {
  let names: string[];
  try {
    names = readdirSync(abs);
  } catch (error) {
    unreadable.push({ path: rel, cause: describeCause(error) });
    return;
  }
  for (const name of names) {
    const childAbs = `${abs}/${name}`;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    let stat: BigIntStats | undefined;
    try {
      // ENOENT means it vanished since readdir: absent, not an error.
      stat = lstatSync(childAbs, { bigint: true, throwIfNoEntry: false });
    } catch (error) {
      unreadable.push({ path: childRel, cause: describeCause(error) });
      continue;
    }
    if (!stat) continue;
    let entry: Entry;
    try {
      entry = toEntry(childRel, stat, childAbs);
    } catch (error) {
      unreadable.push({ path: childRel, cause: describeCause(error) });
      continue;
    }
    entries.set(childRel, entry);
    if (entry.kind === 'dir') walk(childAbs, childRel, entries, unreadable);
  }
}

function kindOf(stat: BigIntStats): Kind {
  if (stat.isFile()) return 'file';
  if (stat.isDirectory()) return 'dir';
  if (stat.isSymbolicLink()) return 'symlink';
  return 'special';
}

function toEntry(path: string, stat: BigIntStats, abs: string): Entry {
  const kind = kindOf(stat);
  const base = { path, kind, size: kind === 'file' ? Number(stat.size) : 0, mtimeNs: stat.mtimeNs, mode: Number(stat.mode & 0o7777n) };
  return kind === 'symlink' ? { ...base, target: readlinkSync(abs) } : base;
}
