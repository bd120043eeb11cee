import type { Entry, Snapshot } from './types.js';

const SLASH = 47;

/**
 * The order every snapshot is in: a depth-first walk with each directory's names sorted by
 * UTF-16 code unit. It equals comparing whole paths with `/` ranked below every other
 * character, so each directory comes right before its own contents.
 */
export function comparePaths(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return (ca === SLASH ? -1 : ca) - (cb === SLASH ? -1 : cb);
  }
  return a.length - b.length;
}

/**
 * Walks two snapshots side by side, as rclone's march does, and reports each path once:
 * in the source only, in the replica only, or in both. A linear merge: no lookup tables.
 */
export function march(
  source: Snapshot,
  replica: Snapshot,
  visit: (s: Entry | undefined, r: Entry | undefined) => void,
): void {
  const a = source.entries;
  const b = replica.entries;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const s = a[i];
    const r = b[j];
    const order = s === undefined ? 1 : r === undefined ? -1 : s.path === r.path ? 0 : comparePaths(s.path, r.path);
    if (order === 0) {
      visit(s, r);
      i++;
      j++;
    } else if (order < 0) {
      visit(s, undefined);
      i++;
    } else {
      visit(undefined, r);
      j++;
    }
  }
}
